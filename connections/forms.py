from django import forms

from connections.models import Feed
from connections.providers.catalog import ProviderSpec


class FeedChoiceForm(forms.Form):
    feeds = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of data to import."},
    )

    def __init__(self, *args, spec: ProviderSpec, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["feeds"].choices = [(feed, Feed(feed).label) for feed in spec.feeds]
