"""Issue 17's "nothing at 200×60 has more than a few empty rows", read from the screen in Pilot: inside each panel's
border, and under each column of panels. FEW_EMPTY_ROWS (3) allows the rows a panel keeps by design (the blank line
above a table's total, the status panel's spacer, a picture's last half line) and nothing like a band."""

from __future__ import annotations

from empty_rows import every_tab
from tui_support import preset_app, train_and_show

FEW_EMPTY_ROWS = 3


async def blank_counts(
    preset: str, size: tuple[int, int], mnist_folder, projector: bool = False
) -> dict[str, dict[str, tuple[int, int]]]:
    """Each tab's panels with their blank rows, after some training (in projector mode with `projector`)."""
    app = preset_app(preset, mnist_folder, projector=projector)
    async with app.run_test(size=size) as pilot:
        await train_and_show(app, pilot, 150)
        return await every_tab(app, pilot)


async def test_at_200x60_no_panel_and_no_column_holds_a_band_of_empty_rows(app_preset: str, mnist_folder) -> None:
    """Every preset the app opens (deep-sigmoid-pretrained is still pretraining after 150 steps: its gradients panel
    shows each layer's reconstruction loss)."""
    for tab, counts in (await blank_counts(app_preset, (200, 60), mnist_folder)).items():
        assert counts, tab
        bands = {name: blank for name, (blank, _) in counts.items() if blank > FEW_EMPTY_ROWS}
        assert not bands, (app_preset, tab, counts)


async def test_at_200x60_in_projector_mode_the_picture_and_the_readout_hold_no_band(
    app_preset: str, mnist_folder
) -> None:
    counts = (await blank_counts(app_preset, (200, 60), mnist_folder, projector=True))[""]
    assert {"Readout", "ChartPanel"} <= set(counts), counts
    bands = {name: blank for name, (blank, _) in counts.items() if blank > FEW_EMPTY_ROWS}
    assert not bands, (app_preset, counts)


async def test_at_120x40_the_loss_tab_is_a_chart_and_the_tables_are_as_tall_as_their_content(mnist_folder) -> None:
    tabs = await blank_counts("spiral", (120, 40), mnist_folder)
    assert tabs["tab-loss"]["ChartPanel"][0] <= FEW_EMPTY_ROWS, tabs["tab-loss"]
    assert tabs["tab-architecture"]["ArchitecturePanel"][0] <= FEW_EMPTY_ROWS, tabs["tab-architecture"]
