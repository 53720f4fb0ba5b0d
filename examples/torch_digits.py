"""A plain PyTorch CNN on tuinn's bundled 8×8 digits, watched by tuinn.

pip install 'tuinn[torch]'
python examples/torch_digits.py            # in one terminal
tuinn attach runs/digits.tuinn             # in another: the model learning, live
"""

import argparse

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/digits.tuinn", help="the stream tuinn attach follows")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--every", type=int, default=tuinn.watch.DEFAULT_EVERY, help="steps between pictures")
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = digits()
    x_train, y_train, x_val, y_val = x[:1437], y[:1437], x[1437:], y[1437:]
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    w = tuinn.watch(net, args.out, sample=x_val[:8], targets=y_val[:8], optimizer=opt, every=args.every)
    for epoch in range(args.epochs):
        for batch in torch.randperm(len(x_train)).split(32):
            loss = nn.functional.cross_entropy(logits := net(x_train[batch]), y_train[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            w.step(loss=loss, metric=(logits.argmax(1) == y_train[batch]).float().mean(), epoch=epoch)
        with torch.no_grad():
            val = net(x_val)
        w.step(val_loss=nn.functional.cross_entropy(val, y_val), val_metric=(val.argmax(1) == y_val).float().mean())
        print(f"epoch {epoch + 1}: val accuracy {(val.argmax(1) == y_val).float().mean():.3f}")
    w.close()


if __name__ == "__main__":
    main()
