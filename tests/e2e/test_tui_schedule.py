"""The lr schedule in a real terminal (tmux, and over SSH): the loss panel's lr row, the status, `+` marked (each on
the tab the layout put it on)."""

import re

import pytest

# a warmup longer than any test: the lr changes at every step, so its row shows at once
SCHEDULED = (
    "tuinn --preset spiral --epochs 100000 --set train.schedule.kind=exponential "
    "--set train.schedule.gamma=0.99 --set train.schedule.warmup_steps=1000000"
)


@pytest.mark.e2e
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_the_lr_row_and_the_override_show_in_a_real_terminal(launch, size):
    width, height = size
    pane = launch(SCHEDULED, width=width, height=height)
    pane.wait_for("? help", timeout=30)
    # the status and the loss panel stand where the layout put them: on the Training tab or tabs of their own
    pane.open_tab(re.compile(r"LR +[0-9.e-]+ exponential"))
    # the lr row: "lr 0.01 ▁▂▃" in the sparklines, "lr ▁▂▃" under the chart (its value in the plot's title)
    pane.open_tab(re.compile(r"│ +lr +([0-9.e-]+ +)?[▁▂▃▄▅▆▇█]"))
    # paused first: the status shows only the latest event, and a run past its target logs
    # "target met" again each time the validation metric crosses it, which can hide the lr event
    pane.send_keys("Space")
    pane.open_tab(re.compile(r"State +paused"))
    pane.send_keys("+")
    # the event's text wraps where its numbers' lengths put the line end: its start and "(schedule" stay whole
    pane.open_tab(re.compile(r"Event +lr [0-9.e-]+ -> [0-9.e-]+"), "(schedule")
    pane.open_tab(re.compile(r"│ +events +l"))  # the loss panel (or chart) marks the switch
    pane.send_keys("q")
    pane.assert_exit(0)
    pane.assert_restored()
