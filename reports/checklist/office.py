"""The office's own details on every checklist's notice (整改通知): 文号, 落款, contact, the
signature block and how many working days a unit has to answer — one YAML file per office.

```yaml
# office.yaml
sender: 江淮市人民政府办公室              # 发文单位：称呼和落款
notice_no: 江淮政办秘〔2025〕45号         # 文号（每次印发时更新；也可用 --notice-no 指定）
title: 关于反馈{round}政务公开测评问题并限期整改的通知   # 可选；{round} 为测评轮次
contact: {name: 李明, phone: 0551-12345678, email: zwgk@jianghuai.gov.cn}
signature: [江淮市人民政府办公室, （江淮市政务公开办公室代章）]  # 可选；默认为 sender
deadline_workdays: 20                    # 整改期限：印发日期后的第 N 个工作日
```

Found by `--office FILE`, else zwgk.toml ``checklist.office`` / ``$ZWGK_OFFICE``; without one,
the notice has no 文号, contact or sender (`Office()`). Read through the bounded YAML loader
(`common.yamlsource`); every mistake is an `OfficeError` naming FILE:LINE.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.config_file import configured
from common.yamlsource import YamlSourceError, load_yaml, pydantic_problems

DEFAULT_TITLE = "关于{round}政务公开测评发现问题整改的通知"
DEFAULT_WORKDAYS = 20
MAX_WORKDAYS = 120  # about half a year: a longer 整改期限 is a typo
_Line = Annotated[str, Field(min_length=1, max_length=200)]


class OfficeError(ValueError):
    """A bad office file: one ``FILE:LINE: message`` per line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Contact(_Strict):
    name: _Line
    phone: _Line
    email: _Line | None = None

    @field_validator("phone", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        # `phone: 12345678` reads as a number in YAML; it is still the number to call.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Office(_Strict):
    """What the notice says about the office (all optional but `sender` for a real notice)."""

    sender: Annotated[str, Field(max_length=200)] = ""
    notice_no: Annotated[str, Field(max_length=200)] = ""
    title: _Line = DEFAULT_TITLE
    contact: Contact | None = None
    signature: list[_Line] | None = None
    deadline_workdays: Annotated[int, Field(ge=1, le=MAX_WORKDAYS)] = DEFAULT_WORKDAYS

    @field_validator("title")
    @classmethod
    def _round_only(cls, title: str) -> str:
        try:
            title.format(round="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"the title may use {{round}} only (got {exc.args[0] if exc.args else exc}); "
                "write {{ and }} for literal braces"
            ) from None
        return title

    @property
    def signature_lines(self) -> tuple[str, ...]:
        if self.signature is not None:
            return tuple(self.signature)
        return (self.sender,) if self.sender else ()

    def notice_title(self, round_label: str) -> str:
        return self.title.format(round=round_label)


def load_office(path: str | Path) -> Office:
    """Read and validate an office file; `OfficeError` lists every problem as FILE:LINE."""
    try:
        source = load_yaml(path)
    except YamlSourceError as exc:
        raise OfficeError(str(exc)) from None
    if not isinstance(source.data, dict):
        raise OfficeError(f"{path}:1: an office file is a mapping: sender, notice_no, contact …")
    try:
        return Office.model_validate(source.data)
    except ValidationError as exc:
        lines = [
            f"{path}:{line}: {message}" if line else f"{path}: {message}"
            for line, message in pydantic_problems(source, exc)
        ]
        raise OfficeError("\n".join(lines)) from None


def configured_office(path: str | Path | None = None) -> tuple[Office, str | None]:
    """The office in effect and where it came from: ``path`` (an option), else the configured
    file (zwgk.toml ``checklist.office`` / ``$ZWGK_OFFICE``); ``(Office(), None)`` without one."""
    if path is not None:
        return load_office(path), str(path)
    setting = configured("checklist.office")
    if setting is None:
        return Office(), None
    try:
        return load_office(setting.value), str(setting.value)
    except OfficeError as exc:
        raise OfficeError(f"{exc}\n(the office file named at {setting.origin})") from None
