"""The kiosk unit gives the app no Kivy settings file it could write: the F1 settings panel wrote a
Rotation to KIVY_HOME/config.ini (then in the writable data folder) and the kiosk came up sideways."""

from __future__ import annotations

from .conftest import DEPLOY
from .test_units import unit_values


def _environment(values: dict[str, list[str]]) -> dict[str, str]:
    env = {}
    for line in values.get("Environment", []):
        for item in line.split():
            key, _, value = item.partition("=")
            env[key] = value
    return env


def test_kivy_reads_and_writes_no_config_and_its_home_is_read_only():
    v = unit_values(DEPLOY / "systemd/iplik-kiosk.service")
    env = _environment(v)
    assert {k: env.get(k) for k in ("KIVY_NO_CONFIG", "KIVY_NO_ENV_CONFIG", "KIVY_NO_FILELOG", "KIVY_NO_ARGS")} == dict.fromkeys(
        ("KIVY_NO_CONFIG", "KIVY_NO_ENV_CONFIG", "KIVY_NO_FILELOG", "KIVY_NO_ARGS"), "1")
    assert v["ProtectSystem"] == ["strict"]
    writable = [p.lstrip("-") for p in v.get("ReadWritePaths", [])] + ["/var/cache/" + d for d in v.get("CacheDirectory", [])]
    home = env["KIVY_HOME"]
    assert not any(home == w or home.startswith(w.rstrip("/") + "/") for w in writable), (home, writable)
