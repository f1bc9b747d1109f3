"""docs/deploy.md is run as written: every `portal …` command in it parses with the real argument
parser, its systemd units are well-formed, and its nginx upload size matches `portal serve`'s."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.cli.main import build_parser
from portal.core.settings import Settings
from portal.ops.serve import upload_cap_mb
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", DOC, flags=re.M | re.S)
SEPARATORS = {";", "&&", "||", "|", "&", ">", ">>", "<"}


def _command_lines() -> list[str]:
    """Every shell command line of the doc: lines of its bash blocks, ExecStart/ExecStartPost values
    of its unit files, and inline code spans."""
    lines = []
    for lang, body in BLOCKS:
        for line in body.splitlines():
            if lang == "bash":
                lines.append(line)
            elif lang == "ini" and re.match(r"ExecStart(Post|Pre)?=", line):
                lines.append(line.split("=", 1)[1])
    prose = re.sub(r"^```.*?^```", "", DOC, flags=re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", prose)
    lines += [span for span in spans if span != "portal"]  # `portal` alone names the system account
    return lines


def portal_commands() -> list[list[str]]:
    """The arguments after each `portal` (a bare `portal` at a command's start, or any …/bin/portal)."""
    found = []
    for line in _command_lines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        start = True
        for i, token in enumerate(tokens):
            if (token == "portal" and start) or token.endswith("/bin/portal"):
                args = []
                for t in tokens[i + 1 :]:
                    if t in SEPARATORS:
                        break
                    args.append(t)
                found.append(args)
            start = token in SEPARATORS or (start and "=" in token)
    return found


COMMANDS = portal_commands()


def test_the_doc_names_the_commands_the_service_and_timers_run():
    assert [c[0] for c in COMMANDS if c and c[0] == "serve"]
    wanted = {("remind",), ("outbox", "send"), ("backup",), ("init",), ("restore",), ("accounts", "add")}
    named = {tuple(c[: len(w)]) for c in COMMANDS for w in wanted if tuple(c[: len(w)]) == w}
    assert named == wanted


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) or "(none)" for c in COMMANDS])
def test_every_portal_command_in_the_deploy_doc_parses(args):
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:  # argparse's way of refusing
        pytest.fail(f"`portal {' '.join(args)}` does not parse (exit {exc.code})")
    assert callable(parsed.func)


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file as {section: [(key, value), …]} (keys may repeat, as systemd allows);
    AssertionError for a line that is neither a section, a comment, nor key=value inside a section."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if header := re.fullmatch(r"\[(\w+)\]", line):
            current = sections.setdefault(header.group(1), [])
            continue
        assert current is not None and re.fullmatch(r"[A-Za-z]+=\S.*", line), f"not a unit line: {line}"
        current.append(tuple(line.split("=", 1)))
    return sections


def _unit_texts() -> dict[str, str]:
    """{file name: text} of the unit blocks (an ini block whose first line names its file)."""
    texts = {}
    for lang, body in BLOCKS:
        name = re.match(r"# /etc/systemd/system/(\S+)\n", body)
        if lang == "ini" and name:
            texts[name.group(1)] = body
    return texts


UNIT_TEXTS = _unit_texts()
UNITS = {name: parse_unit(text) for name, text in UNIT_TEXTS.items()}


def test_the_doc_has_the_service_and_three_timers_each_with_its_service():
    assert {"portal.service", "portal-remind.timer", "portal-outbox.timer", "portal-backup.timer"} <= set(
        UNITS
    )
    for name in UNITS:
        if name.endswith(".timer"):
            assert name.replace(".timer", ".service") in UNITS


@pytest.mark.parametrize("name", sorted(UNITS))
def test_each_systemd_unit_block_is_well_formed(name):
    unit = UNITS[name]
    kind = name.rsplit(".", 1)[1]
    assert kind in {"service", "timer"}
    assert set(unit) <= {"Unit", "Service", "Timer", "Install"}
    assert dict(unit["Unit"])["Description"]
    if kind == "service":
        service = dict(unit["Service"])
        assert service["Type"] in {"simple", "oneshot"}
        assert service["User"] == "portal"
        assert service["Environment"].startswith("PORTAL_HOME=/")
        assert "ExecStart" in service
        for key, value in unit["Service"]:
            if key.startswith("Exec"):
                assert value.split()[0].startswith("/"), f"{key} needs an absolute path: {value}"
        if service["Type"] == "simple":
            assert dict(unit["Install"])["WantedBy"] == "multi-user.target"
    else:
        assert dict(unit["Timer"])["OnCalendar"]
        assert dict(unit["Install"])["WantedBy"] == "timers.target"


def test_a_unit_without_an_absolute_exec_path_or_with_a_stray_line_is_caught():
    assert parse_unit("[Service]\nExecStart=portal serve")["Service"][0][1].split()[0] == "portal"
    with pytest.raises(AssertionError):
        parse_unit("ExecStart=/bin/true")  # outside any section
    with pytest.raises(AssertionError):
        parse_unit("[Service]\nExecStart /bin/true")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_finds_nothing_wrong_but_the_programs_not_installed_on_this_machine(tmp_path):
    """systemd's own check (unknown keys, bad calendar specs, a timer without its service); the
    portal venv and rsync do not exist here, and that is the only complaint allowed."""
    for name, text in UNIT_TEXTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    lines = (done.stdout + done.stderr).splitlines()
    assert [line for line in lines if line.strip() and "is not executable: No such file" not in line] == []


def test_nginx_accepts_the_largest_upload_portal_serve_accepts(tmp_path):
    (size,) = re.findall(r"client_max_body_size (\d+)m;", DOC)
    assert int(size) == upload_cap_mb(Settings(home=Path(tmp_path))) + 1


def test_nginx_upgrades_the_streamlit_websocket():
    (block,) = [body for lang, body in BLOCKS if lang == "nginx"]
    stream = block[block.index("location /_stcore/stream") :]
    stream = stream[: stream.index("}")]
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert 'proxy_set_header Connection "upgrade";' in stream
    assert "proxy_http_version 1.1;" in stream
