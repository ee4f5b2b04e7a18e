"""screen-power schedule: the screen times set on the central server, read by root from the kiosk's
screen-schedule.json. A fake sysfs backlight and SCREEN_NOW stand in for the panel and the clock.
The file is the kiosk user's: anything but the one shape the sync worker writes is ignored with a
line saying why, and the provisioned times apply (the fixed off/on services act unless the file names
a good time for their direction)."""

from __future__ import annotations

import os
import pwd
import re
import subprocess
from pathlib import Path

import pytest

from kiosk.store.kiosk_settings import SCREEN_SCHEDULE, ServerSettings, write_screen_schedule

from .conftest import DEPLOY
from .test_units import unit_values

SCRIPT = str(DEPLOY / "screen-power.sh")
GOOD = b'{"off": "21:00", "on": "06:30"}\n'


def kiosk_user() -> tuple[str, int]:
    """The user the file must belong to. As root the tests hand the file to nobody (the script must not
    take a root-owned file); otherwise they cannot chown and the file is simply this user's."""
    if os.getuid() == 0:
        return "nobody", pwd.getpwnam("nobody").pw_uid
    me = pwd.getpwuid(os.getuid())
    return me.pw_name, me.pw_uid


class Kiosk:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.backlight = tmp / "sys/class/backlight/10-0045/bl_power"
        self.backlight.parent.mkdir(parents=True)
        self.backlight.write_text("0\n")
        self.data = tmp / "data"
        self.data.mkdir()
        self.file = self.data / SCREEN_SCHEDULE
        self.user, self.uid = kiosk_user()
        self.env = {"PATH": "/usr/bin:/bin", "SCREEN_SYSFS": str(tmp / "sys"), "SCREEN_SCHEDULE_FILE": str(self.file),
                    "KIOSK_USER": self.user, "SCREEN_METHOD": "backlight"}

    def write(self, content: bytes) -> Path:
        self.file.write_bytes(content)
        self.own(self.file)
        return self.file

    def own(self, path: Path) -> None:
        if os.getuid() == 0:
            os.chown(path, self.uid, -1, follow_symlinks=False)

    def run(self, *args: str, now: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        extra = {"SCREEN_NOW": now} if now else {}
        return subprocess.run(["bash", SCRIPT, *args], capture_output=True, text=True, timeout=10,
                              env={**self.env, **extra, **(env or {})}, cwd=self.tmp)

    @property
    def power(self) -> str:
        return self.backlight.read_text().strip()


@pytest.fixture
def kiosk(tmp_path) -> Kiosk:
    return Kiosk(tmp_path)


def test_off_at_the_off_minute_and_on_at_the_on_minute(kiosk):
    kiosk.write(GOOD)
    off = kiosk.run("schedule", now="21:00")
    assert off.returncode == 0 and kiosk.power == "4", off.stdout + off.stderr
    assert "schedule: off at 21:00 (set on the server)" in off.stdout
    on = kiosk.run("schedule", now="06:30")
    assert on.returncode == 0 and kiosk.power == "0", on.stdout + on.stderr
    assert "schedule: on at 06:30" in on.stdout


@pytest.mark.parametrize("now", ["20:59", "21:01", "06:29", "06:31", "00:00", "12:00"])
def test_nothing_at_other_minutes_and_nothing_said(kiosk, now):
    kiosk.write(GOOD)
    kiosk.backlight.write_text("7\n")  # a value neither switch writes: any write would show
    run = kiosk.run("schedule", now=now)
    assert (run.returncode, run.stdout, run.stderr, kiosk.power) == (0, "", "", "7")


def test_no_file_no_schedule(kiosk):
    run = kiosk.run("schedule", now="21:00")
    assert (run.returncode, run.stdout, kiosk.power) == (0, "", "0")


def test_the_file_the_sync_worker_writes_is_the_one_the_script_reads(kiosk):
    assert write_screen_schedule(kiosk.data, ServerSettings({"screen_off": "22:15", "screen_on": "05:45"}))
    kiosk.own(kiosk.file)
    assert kiosk.run("schedule", now="22:15").returncode == 0 and kiosk.power == "4"
    assert kiosk.run("schedule", now="05:45").returncode == 0 and kiosk.power == "0"
    # Only an "on" time from the server: the provisioned off timer keeps working, its on timer gives way.
    assert write_screen_schedule(kiosk.data, ServerSettings({"screen_on": "07:00"}))
    kiosk.own(kiosk.file)
    assert "backlight 10-0045: off" in kiosk.run("off", "--unless-scheduled").stdout and kiosk.power == "4"
    assert "skipped" in kiosk.run("on", "--unless-scheduled").stdout and kiosk.power == "4"


def test_one_direction_only_and_a_bad_time_beside_a_good_one(kiosk):
    kiosk.write(b'{"on": "07:05"}')
    assert kiosk.run("schedule", now="21:00").stdout == "" and kiosk.power == "0"
    kiosk.write(b'{"off": "9:00 pm", "on": "07:05"}')
    kiosk.backlight.write_text("4\n")
    run = kiosk.run("schedule", now="07:05")
    assert kiosk.power == "0" and "ignored: the off time is not HH:MM (24 h)" in run.stdout


def test_on_and_off_in_the_same_minute_leave_the_screen_alone(kiosk):
    kiosk.write(b'{"off": "21:00", "on": "21:00"}')
    run = kiosk.run("schedule", now="21:00")
    assert run.returncode == 0 and kiosk.power == "0" and "left as it is" in run.stdout


HOSTILE_CONTENT = {
    "hour 25": (b'{"off": "25:00"}', "the off time is not HH:MM"),
    "no leading zero": (b'{"off": "9:00"}', "the off time is not HH:MM"),
    "seconds": (b'{"off": "21:00:00"}', "the off time is not HH:MM"),
    "a command": (b'{"off": "$(touch pwned)"}', "the off time is not HH:MM"),
    "a number": (b'{"off": 2100}', 'not {"off": "HH:MM", "on": "HH:MM"}'),
    "trailing shell": (b'{"off": "21:00"}; touch pwned', 'not {"off": "HH:MM", "on": "HH:MM"}'),
    "other key": (b'{"off": "21:00", "reboot": "now"}', 'not {"off": "HH:MM", "on": "HH:MM"}'),
    "twice": (b'{"off": "22:00", "off": "21:00"}', '"off" is given twice'),
    "NUL": (b'{"off": "21:00"}\0', 'not {"off": "HH:MM", "on": "HH:MM"}'),
    "not text": (bytes(range(256)), 'not {"off": "HH:MM", "on": "HH:MM"}'),
    "empty": (b"", "it is empty"),
    "huge": (b'{"off": "21:00"}' + b" " * 5000, "bytes, more than 1024"),
}


@pytest.mark.parametrize("name", HOSTILE_CONTENT)
def test_hostile_content_is_ignored_with_a_message(kiosk, name):
    content, message = HOSTILE_CONTENT[name]
    kiosk.write(content)
    run = kiosk.run("schedule", now="21:00")
    assert run.returncode == 0 and kiosk.power == "0", run.stdout + run.stderr
    assert f"screen-power: schedule file {kiosk.file} ignored: " in run.stdout and message in run.stdout
    assert not (kiosk.tmp / "pwned").exists()
    # ... and the provisioned off timer then acts at its own time.
    fallback = kiosk.run("off", "--unless-scheduled")
    assert fallback.returncode == 0 and kiosk.power == "4" and "skipped" not in fallback.stdout


def test_a_symlink_is_not_followed(kiosk):
    target = kiosk.tmp / "elsewhere.json"
    target.write_bytes(GOOD)
    kiosk.own(target)
    kiosk.file.symlink_to(target)
    kiosk.own(kiosk.file)
    run = kiosk.run("schedule", now="21:00")
    assert kiosk.power == "0" and "ignored: not a regular file (symbolic link)" in run.stdout
    kiosk.file.unlink()
    kiosk.file.symlink_to(kiosk.tmp / "missing")  # dangling: still a symlink, not "no file"
    assert "not a regular file (symbolic link)" in kiosk.run("schedule", now="21:00").stdout


def test_a_fifo_or_a_folder_is_not_read(kiosk):
    os.mkfifo(kiosk.file)
    run = kiosk.run("schedule", now="21:00")  # the timeout in run() catches a hang
    assert kiosk.power == "0" and "not a regular file (fifo)" in run.stdout
    kiosk.file.unlink()
    kiosk.file.mkdir()
    assert "not a regular file (directory)" in kiosk.run("schedule", now="21:00").stdout


def test_a_file_not_owned_by_the_kiosk_user_is_ignored(kiosk):
    kiosk.write(GOOD)
    if os.getuid() == 0:
        os.chown(kiosk.file, 0, 0)  # root's: could be anything root has, hard-linked or put there
        env = {}
    else:
        env = {"KIOSK_USER": "nobody"}  # this user's file, but the kiosk user is someone else
    run = kiosk.run("schedule", now="21:00", env=env)
    assert kiosk.power == "0" and re.search(r"ignored: owned by uid \d+, not \w+", run.stdout), run.stdout
    unknown = kiosk.run("schedule", now="21:00", env={"KIOSK_USER": "no-such-user-here"})
    assert kiosk.power == "0" and "ignored: no user no-such-user-here" in unknown.stdout


def test_a_hard_linked_file_is_ignored(kiosk):
    kiosk.write(GOOD)
    os.link(kiosk.file, kiosk.tmp / "second-name")
    run = kiosk.run("schedule", now="21:00")
    assert kiosk.power == "0" and "ignored: it has 2 hard links" in run.stdout


def test_the_fixed_services_give_way_only_for_their_own_direction(kiosk):
    # No file: the provisioned times act.
    assert kiosk.run("off", "--unless-scheduled").returncode == 0 and kiosk.power == "4"
    assert kiosk.run("on", "--unless-scheduled").returncode == 0 and kiosk.power == "0"
    # The file names an off time: the fixed off service skips, and says why.
    kiosk.write(b'{"off": "22:00"}')
    skip = kiosk.run("off", "--unless-scheduled")
    assert skip.returncode == 0 and kiosk.power == "0"
    assert "skipped: the schedule from the server switches the screen off at 22:00" in skip.stdout
    kiosk.backlight.write_text("4\n")
    assert kiosk.run("on", "--unless-scheduled").returncode == 0 and kiosk.power == "0"
    # Plain off/on (by hand) never look at the file.
    assert kiosk.run("off").returncode == 0 and kiosk.power == "4"


def test_bad_arguments(kiosk):
    assert kiosk.run("schedule", now="7:00").returncode == 2
    assert kiosk.run("off", "--sometimes").returncode == 2
    assert kiosk.run("schedule", "extra").returncode == 2
    kiosk.write(GOOD)
    status = kiosk.run("status")
    assert status.returncode == 0 and "schedule from the server" in status.stdout and "off 21:00, on 06:30" in status.stdout


def test_the_units_run_it_every_minute_and_the_fixed_ones_give_way():
    timer = unit_values(DEPLOY / "systemd/iplik-screen-schedule.timer")
    assert timer["OnCalendar"] == ["*-*-* *:*:00"]
    assert timer["AccuracySec"] == ["1s"] and timer["Persistent"] == ["false"]
    assert timer["WantedBy"] == ["timers.target"]
    service = unit_values(DEPLOY / "systemd/iplik-screen-schedule.service")
    assert service["ExecStart"] == ["/usr/local/lib/iplik-kiosk/screen-power schedule"]
    assert service["Type"] == ["oneshot"] and service["LogLevelMax"] == ["notice"]
    # Where provision.sh puts the data (kiosk.data_dir) and the name the sync worker writes.
    data_dir = re.search(r'^DATA_DIR="(.*)"$', (DEPLOY / "lib.sh").read_text(), re.M).group(1)
    expected = f"SCREEN_SCHEDULE_FILE={data_dir}/{SCREEN_SCHEDULE}"
    assert service["Environment"] == [expected]
    for direction in ("off", "on"):
        fixed = unit_values(DEPLOY / f"systemd/iplik-screen-{direction}.service")
        assert fixed["ExecStart"] == [f"/usr/local/lib/iplik-kiosk/screen-power {direction} --unless-scheduled"]
        assert fixed["Environment"] == [expected]
    # The script's own default is the same path (a unit without the line still reads the right file).
    script = Path(SCRIPT).read_text()
    assert f'SCREEN_SCHEDULE_FILE:-{data_dir}/{SCREEN_SCHEDULE}' in script
    # The stat checks catch a symlink before the read; the read itself must not follow one swapped in
    # after them (a race no test here can time), nor hang on a FIFO.
    assert "iflag=nofollow,nonblock" in script
