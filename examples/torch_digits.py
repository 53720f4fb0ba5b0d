"""A plain PyTorch CNN on tuinn's bundled 8×8 digits, watched by tuinn.

pip install 'tuinn[torch]'
python examples/torch_digits.py            # in one terminal
tuinn attach runs/digits.tuinn             # in another: the model learning, live (+ - lr, space pause)
"""

import argparse
import json

import torch
from torch import nn

import tuinn
from tuinn.data.digits import raw_digits


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 digits as (N, 1, 8, 8) floats in [0, 1] and their labels."""
    table = torch.tensor(raw_digits())
    return (table[:, :-1].float() / 16).reshape(-1, 1, 8, 8), table[:, -1].long()


def model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 32), nn.ReLU(), nn.Linear(32, 10),
    )  # fmt: skip


def arguments(out: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A PyTorch CNN on the digits, watched by tuinn.")
    parser.add_argument("--out", default=out, help="the stream `tuinn attach` follows")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--every", type=int, default=tuinn.watch.DEFAULT_EVERY, help="steps between pictures")
    parser.add_argument("--norms", help="also write each step's p.grad.norm() per layer here (JSON lines)")
    return parser.parse_args()


def train_step(net: nn.Module, opt: torch.optim.Optimizer, w, x: torch.Tensor, y: torch.Tensor, epoch: int, norms=None):
    """One step of a plain loop, watched: forward, backward, the optimizer's step, then `w.step()`."""
    loss = nn.functional.cross_entropy(logits := net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    w.step(loss=loss, metric=(logits.argmax(1) == y).float().mean(), epoch=epoch)
    if norms:  # --norms: what the loop itself sees, for the tests to compare with the stream
        layers = getattr(net, "module", net).named_children()
        print(json.dumps({n: float(m.weight.grad.norm()) for n, m in layers if hasattr(m, "weight")}), file=norms)


def main() -> None:
    args = arguments("runs/digits.tuinn")
    torch.manual_seed(0)
    x, y = digits()
    x_train, y_train, x_val, y_val = x[:1437], y[:1437], x[1437:], y[1437:]
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    w = tuinn.watch(
        net, args.out, sample=x_val[:8], targets=y_val[:8], optimizer=opt, every=args.every, epochs=args.epochs
    )
    norms = open(args.norms, "w") if args.norms else None
    for epoch in range(args.epochs):
        for batch in torch.randperm(len(x_train)).split(32):
            train_step(net, opt, w, x_train[batch], y_train[batch], epoch, norms)
        with torch.no_grad():
            val = net(x_val)
        accuracy = (val.argmax(1) == y_val).float().mean()
        w.step(val_loss=nn.functional.cross_entropy(val, y_val), val_metric=accuracy)
        print(f"epoch {epoch + 1}: val accuracy {accuracy:.3f}", flush=True)
    w.close()


if __name__ == "__main__":
    main()
