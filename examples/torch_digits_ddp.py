"""The digits CNN of torch_digits.py on two processes under torch.distributed (gloo, CPU), watched from rank 0.

python examples/torch_digits_ddp.py        # two processes on this machine
tuinn attach runs/digits-ddp.tuinn         # one stream: every rank calls tuinn.watch, rank 0 writes
"""

import gc
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch_digits import arguments, digits, model, train_step

import tuinn

WORLD = 2


def worker(rank: int, args, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    torch.set_num_threads(1)
    torch.manual_seed(0)  # the same first weights on every rank
    x, y = digits()
    x_train, y_train, x_val, y_val = x[:1436], y[:1436], x[1436:], y[1436:]
    net = DistributedDataParallel(model())
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    w = tuinn.watch(
        net, args.out, sample=x_val[:8], targets=y_val[:8], optimizer=opt, every=args.every, epochs=args.epochs
    )
    norms = open(args.norms, "w") if args.norms and rank == 0 else None
    for epoch in range(args.epochs):
        order = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(epoch))
        for batch in order[rank::WORLD].split(16):  # each rank its half; DDP averages the gradients
            train_step(net, opt, w, x_train[batch], y_train[batch], epoch, norms)
        if rank == 0:
            with torch.no_grad():
                accuracy = (net.module(x_val).argmax(1) == y_val).float().mean()
            w.step(val_metric=accuracy)
            print(f"epoch {epoch + 1}: val accuracy {accuracy:.3f}", flush=True)
    w.close()
    # Leave together, and free the model (DDP's reducer holds the process group and its last works) while the
    # interpreter is whole: a gloo work freed during interpreter exit can abort the process (SIGABRT).
    dist.barrier()
    del net, opt, w
    gc.collect()
    dist.destroy_process_group()


def main() -> None:
    args = arguments("runs/digits-ddp.tuinn")
    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(worker, args=(args, port), nprocs=WORLD)


if __name__ == "__main__":
    main()
