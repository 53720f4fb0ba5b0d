"""The lab's experiment editor: a form of Textual widgets whose changes become Trainer commands."""

from tuinn.tui.widgets.editor.form import ExperimentEditor

__all__ = ["ExperimentEditor"]
