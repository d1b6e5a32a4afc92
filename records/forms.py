from __future__ import annotations

from django import forms

DATE_HELP = "Enter dates as YYYY-MM-DD, for example 2026-11-30."


class DownloadRangeForm(forms.Form):
    """?from=&to= on a download: both optional, both days included."""

    start = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_HELP}
    )
    end = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_HELP}
    )

    def __init__(self, query) -> None:
        # "from" is a Python keyword, so the form's fields have other names.
        super().__init__({"start": query.get("from", ""), "end": query.get("to", "")})

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                f"The start date ({start:%Y-%m-%d}) is after the end date ({end:%Y-%m-%d}). "
                "Nothing was downloaded."
            )
        return data

    def problem(self) -> str:
        """The first thing wrong, in a sentence."""
        for errors in self.errors.values():
            return errors[0]
        return ""
