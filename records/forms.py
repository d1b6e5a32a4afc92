from __future__ import annotations

from datetime import date

from django import forms

DATE_HELP = "Enter dates as YYYY-MM-DD, for example 2026-11-30."
# Days a download can name: wide enough for any record, narrow enough that a day's midnight in
# any time zone is a datetime Python and the database can hold (9999-12-31 has no next day).
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


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
        if any(day and not EARLIEST <= day <= LATEST for day in (start, end)):
            raise forms.ValidationError(
                f"Choose days from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}. "
                "Nothing was downloaded."
            )
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
