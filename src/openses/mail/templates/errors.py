"""What can go wrong when a template renders."""

from __future__ import annotations

from openses.mail.templates.lexer import TemplateSyntaxError

__all__ = [
    "MissingAttributeError",
    "PartialNotFoundError",
    "TemplateRenderError",
    "TemplateSyntaxError",
]


class TemplateRenderError(Exception):
    """The template parsed but cannot render with this data (handlebars.js throws)."""


class MissingAttributeError(TemplateRenderError):
    """SES: a value the template shows is absent (or null) in the rendering data."""

    def __init__(self, name: str) -> None:
        # The text of SES's Rendering Failure events and TestRenderTemplate errors.
        super().__init__(f"Attribute '{name}' is not present in the rendering data.")
        self.name = name


class PartialNotFoundError(TemplateRenderError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The partial {name} could not be found")
        self.name = name
