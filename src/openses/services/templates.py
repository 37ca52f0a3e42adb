"""E-mail templates: one store behind SES v1 (CreateTemplate…) and v2 (CreateEmailTemplate…).

A template created through one API is seen, updated and deleted through the
other. Listing is newest first, as the guide's ``aws ses list-templates`` example
shows (a 2020 template before a 2019 one) [INF].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.domain.errors import TemplateDoesNotExistError
from openses.domain.tags import validate_tags
from openses.domain.templates import (
    EmailTemplate,
    TemplateContent,
    check_template_count,
    template_arn,
    validate_template_content,
    validate_template_name,
)
from openses.mail.template_preview import render_preview_message
from openses.services.pagination import decode_page_token, encode_page_token
from openses.services.scope import Scope
from openses.services.template_rendering import (
    RenderedTemplate,
    check_template_content,
    render_template,
)
from openses.storage.engine import Database
from openses.storage.repositories import tags as tags_repo
from openses.storage.repositories import templates as repo


@dataclass(frozen=True, slots=True)
class TemplatePage:
    templates: list[EmailTemplate]
    next_token: str | None


def _arn(scope: Scope, name: str) -> str:
    return str(template_arn(scope.region, scope.account_id, name))


def _validate(name: str, content: TemplateContent) -> None:
    validate_template_name(name)
    validate_template_content(content)
    check_template_content(content, name)


class TemplateService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def create(
        self,
        scope: Scope,
        name: str,
        content: TemplateContent,
        *,
        tags: Sequence[tuple[str, str]] = (),
    ) -> EmailTemplate:
        _validate(name, content)
        validate_tags(tags)
        template = EmailTemplate(scope.account_id, scope.region, name, content, self._clock.now())
        async with self._db.transaction() as conn:
            check_template_count(await repo.count_templates(conn, scope.account_id, scope.region))
            await repo.insert_template(conn, template)
            if tags:
                await tags_repo.replace_tags(
                    conn, scope.account_id, scope.region, _arn(scope, name), tags
                )
        return template

    async def update(self, scope: Scope, name: str, content: TemplateContent) -> None:
        """Replace the whole template: parts left out are removed (guide, UpdateTemplate)."""
        _validate(name, content)
        async with self._db.transaction() as conn:
            updated = await repo.update_content(conn, scope.account_id, scope.region, name, content)
        if not updated:
            raise TemplateDoesNotExistError(name)

    async def find(self, scope: Scope, name: str) -> EmailTemplate | None:
        async with self._db.read() as conn:
            return await repo.get_template(conn, scope.account_id, scope.region, name)

    async def get(self, scope: Scope, name: str) -> EmailTemplate:
        template = await self.find(scope, name)
        if template is None:
            raise TemplateDoesNotExistError(name)
        return template

    async def tags_of(self, scope: Scope, name: str) -> tuple[tuple[str, str], ...]:
        async with self._db.read() as conn:
            return await tags_repo.get_tags(conn, scope.account_id, scope.region, _arn(scope, name))

    async def delete(self, scope: Scope, name: str, *, must_exist: bool) -> None:
        """v1 DeleteTemplate succeeds for unknown names; v2 DeleteEmailTemplate does not."""
        async with self._db.transaction() as conn:
            deleted = await repo.delete_template(conn, scope.account_id, scope.region, name)
            await tags_repo.replace_tags(
                conn, scope.account_id, scope.region, _arn(scope, name), ()
            )
        if must_exist and not deleted:
            raise TemplateDoesNotExistError(name)

    async def list(self, scope: Scope, *, page_size: int, next_token: str | None) -> TemplatePage:
        before_id = decode_page_token(next_token) if next_token else None
        async with self._db.read() as conn:
            rows = await repo.list_templates(
                conn, scope.account_id, scope.region, before_id=before_id, limit=page_size + 1
            )
        page = rows[:page_size]
        token = encode_page_token(page[-1][0]) if len(rows) > page_size else None
        return TemplatePage([template for _, template in page], token)

    async def render_stored(self, scope: Scope, name: str, template_data: str) -> RenderedTemplate:
        """A stored template rendered with ``template_data`` (JSON text), for sending.

        Raises TemplateDoesNotExistError, or a TemplateRenderingError subclass whose
        ``message`` is what SES puts in the Rendering Failure event.
        """
        template = await self.get(scope, name)
        return render_template(template.content, template_data, template_name=name)

    async def test_render(self, scope: Scope, name: str, template_data: str) -> str:
        """TestRenderTemplate: the rendered MIME message, or the rendering error at once."""
        rendered = await self.render_stored(scope, name, template_data)
        return render_preview_message(
            rendered.subject, rendered.text, rendered.html, date=self._clock.now()
        )
