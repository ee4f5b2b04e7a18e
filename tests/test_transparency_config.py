"""``[transparency] url_template``: what the QR on a kiosk's service page opens."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_points_at_the_agencys_block_of_the_public_page(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert cfg.transparency_url("bappenda") == "https://iplik.ntbprov.go.id/transparansi#bappenda"


def test_an_office_may_point_at_its_own_server(tmp_path):
    cfg = load_config(write(tmp_path, "[transparency]\nurl_template = 'http://10.0.0.5:8000/transparansi#{agency}'\n"))
    assert cfg.transparency_url("dinkes") == "http://10.0.0.5:8000/transparansi#dinkes"


@pytest.mark.parametrize("template", ["https://x/transparansi", "ftp://x/transparansi#{agency}", "/transparansi#{agency}"])
def test_a_template_without_the_agency_or_a_web_address_is_refused(tmp_path, template):
    path = write(tmp_path, f"[transparency]\nurl_template = '{template}'\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert ": transparency.url_template " in str(err.value)
