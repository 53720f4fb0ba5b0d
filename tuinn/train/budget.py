"""The memory budget: a network whose arrays would not fit is refused before anything is allocated."""

from __future__ import annotations

from tuinn.config import ConfigError
from tuinn.nn.plan import NetworkPlan

MEMORY_BUDGET = 4 * 2**30  # bytes a run may use for its network: weights, gradients, optimizer state, activations
OPTIMIZER_COPIES = 2  # Adam keeps two arrays per parameter, momentum one


def run_bytes(plan: NetworkPlan, batch: int) -> int:
    """What training `plan` at `batch` samples a step takes at most: weights, gradients, optimizer
    state, and every layer's output and its gradient for the batch."""
    return (2 + OPTIMIZER_COPIES) * plan.parameter_bytes + 2 * plan.activation_bytes(batch)


def check_budget(plan: NetworkPlan, batch: int, source: str) -> None:
    """ConfigError naming the layer key that costs most, and the bytes, when the run would not fit."""
    need = run_bytes(plan, batch)
    if need <= MEMORY_BUDGET:
        return
    costs = [(2 + OPTIMIZER_COPIES) * layer.parameter_bytes + 2 * batch * layer.output_bytes for layer in plan.layers]
    worst = max(range(len(costs)), key=costs.__getitem__)
    row = plan.layers[worst].row
    raise ConfigError(
        f"{source}: key 'model.layers[{worst}]': {row.name} ({row.type}, {row.parameters:,} parameters, "
        f"output {'×'.join(map(str, row.output_shape))}) makes the network need {readable(need)} to train "
        f"({readable(costs[worst])} for this layer, batch {batch}), over the memory budget of {readable(MEMORY_BUDGET)}"
    )


UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def readable(size: int) -> str:
    """Bytes for people: '14.6 TiB'."""
    power = min(len(UNITS) - 1, max(0, (int(size).bit_length() - 1) // 10))
    return f"{size:,} bytes" if power == 0 else f"{size / 1024**power:.1f} {UNITS[power]}"
