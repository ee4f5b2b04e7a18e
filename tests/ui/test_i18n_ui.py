"""Every word on the screen exists in Indonesian, and switching language keeps what was typed."""

from __future__ import annotations

import gc

import pytest

from kiosk.domain import rating, workflow
from kiosk.domain.complaint import CLASS_LABELS, PRIVACY_LABELS, TOPIC_LABELS
from kiosk.i18n import LOCALE_DIR, messages

from .msgids import ui_msgids

pytestmark = pytest.mark.ui


def _domain_msgids() -> set[str]:
    """Labels of the domain that the screens translate with tr._()."""
    ids = set(CLASS_LABELS.values()) | set(TOPIC_LABELS.values()) | set(PRIVACY_LABELS.values())
    ids |= set(workflow.STATUS_LABELS.values()) | set(workflow.STATUS_EXPLANATIONS.values())
    ids |= {workflow.LABEL_VERIFY_AND_FORWARD, workflow.LABEL_FOLLOW_UP, workflow.LABEL_AUTO_CLOSE}
    ids |= set(rating.GENDER_LABELS.values()) | set(rating.EDUCATION_LABELS.values())
    ids |= set(rating.OCCUPATION_LABELS.values()) | {english for _v, _id, english in rating.FACES}
    ids |= {rating.MSG_AGE}
    return ids


def test_every_msgid_the_app_shows_has_indonesian():
    indonesian = messages("id")
    missing = sorted((ui_msgids() | _domain_msgids()) - set(indonesian))
    assert not missing, f"no Indonesian for: {missing}"


def test_ui_po_holds_no_stale_entries():
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "ui.po").open("rb") as fh:
        entries = {m.id for m in read_po(fh) if m.id}
    assert not entries - ui_msgids(), "ui.po has texts the app no longer shows"


def test_placeholders_survive_translation():
    import string

    indonesian = messages("id")
    for msgid in ui_msgids():
        fields = {f for _t, f, _s, _c in string.Formatter().parse(msgid) if f}
        got = {f for _t, f, _s, _c in string.Formatter().parse(indonesian.get(msgid, msgid)) if f}
        assert fields == got, msgid


def test_switching_language_redraws_in_place_and_keeps_input(ui):
    d = ui
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    d.type("samsat")
    # The box's label: the page heading folds away once typing starts (the results get its room).
    heading = [w for w in screen.walk(restrict=True) if getattr(w, "text", "") == "Apa yang Anda cari?"]
    assert heading
    d.tap(d.app.root.ids.topbar.ids.lang_en)
    assert heading[0].text == "What are you looking for?"
    assert screen.ids.field.ids.ti.text == "samsat" and d.app.current == "search"
    assert d.app.root.ids.bottombar.ids.back.text == "Back"
    d.tap(d.app.root.ids.topbar.ids.lang_id)
    assert heading[0].text == "Apa yang Anda cari?"


def test_translations_do_not_pile_up_observers(ui):
    from kiosk.ui.i18n import tr

    d = ui
    d.app.go("service", service_id="dinkes-sipa")
    d.settle()
    gc.collect()
    before = tr.observer_count
    for _ in range(5):
        d.app.home()
        d.app.go("service", service_id="bappenda-pkb")
        d.settle()
        d.app.go("service", service_id="dinkes-sipa")
        d.settle()
    gc.collect()
    d.frames(2)
    assert tr.observer_count <= before + 5


def test_compiled_catalogs_match_the_po_files_and_follow_their_changes(tmp_path, monkeypatch):
    import os
    import shutil

    from kiosk import i18n
    from kiosk.ui import catalogs

    assert catalogs.LANGUAGES == i18n.LANGUAGES and catalogs.DEFAULT_LANGUAGE == i18n.DEFAULT_LANGUAGE
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", locale)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = catalogs.messages("id")
    assert first == i18n.messages("id", locale)
    assert (tmp_path / "cache" / "iplik-kiosk" / "messages-id.json").exists()
    assert catalogs.messages("id") == first  # read back from the copy
    po = locale / "id" / "LC_MESSAGES" / "ui.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Kembali"', 'msgstr "Mundur"'), encoding="utf-8")
    os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns + 10**9))
    i18n.messages.cache_clear()
    assert catalogs.messages("id")["Back"] == "Mundur"  # a changed .po is compiled again


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    from kiosk import i18n
    from kiosk.ui import catalogs

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert catalogs.messages("en") == i18n.messages("en")


def test_what_was_picked_follows_a_language_switch(ui):
    """The service a citizen picked, and the lists they pick from, speak the language of the moment:
    the answer used to keep the words of the language it was picked in."""
    d = ui
    d.tap(d.screen("home").ids.tile_survey)
    survey = d.app.screen
    step = survey.current_step
    picker = step.ids.picker
    d.settle()
    d.tap(picker.ids.agencies.children[0])
    d.settle()
    services = [b for b in picker.ids.services.children if isinstance(b.value, tuple)]
    name, english = services[0].names
    assert services[0].text == name and english and english != name
    d.tap(services[0])
    d.wait(lambda: survey.step_name == "U1", what="the first question")  # the choice shows a moment first
    d.tap(d.app.root.ids.topbar.ids.lang_en)
    survey.show("service")
    d.settle()
    assert step.chosen == english
    assert [b.text for b in picker.ids.services.children if isinstance(b.value, tuple)] == [
        b.names[1] for b in services
    ]
    d.tap(d.app.root.ids.topbar.ids.lang_id)
    assert step.chosen == name

    d.app.home()
    d.app.go("complaint")
    complaint = d.app.screen
    complaint.show("where")
    d.settle()
    picker = complaint.current_step.ids.picker
    d.tap(picker.ids.agencies.children[0])
    d.settle()
    d.tap(next(b for b in picker.ids.services.children if isinstance(b.value, tuple)))
    complaint.show("review")
    d.settle()
    d.tap(d.app.root.ids.topbar.ids.lang_en)
    assert ("Office or service", english) in [(label, value) for label, value, _step in complaint.current_step.rows]


def test_a_switch_skips_rules_whose_widget_died_while_it_redrew():
    """A redraw allocates, so the collector may free a screen half-way through a switch: Kivy then
    unbinds that screen's rules, and a rule of a widget already gone raises ReferenceError. The
    switch must skip both, not crash the kiosk (seen once in CI, in forms.kv's character counter)."""
    from kiosk.ui.i18n import Translator

    t = Translator("id")
    drawn: list[str] = []
    later_uid = 0

    def first(*_args):
        drawn.append("first")
        t.unbind_uid("_", later_uid)  # what Kivy's widget destructor does when the collector runs

    def unbound_meanwhile(*_args):
        raise AssertionError("a rule unbound during the switch was still run")

    def dead(*_args):
        raise ReferenceError("weakly-referenced object no longer exists")

    def last(*_args):
        drawn.append("last")

    t.fbind("_", first)
    later_uid = t.fbind("_", unbound_meanwhile)
    t.fbind("_", dead)
    t.fbind("_", last)
    t.switch("en")
    assert drawn == ["first", "last"]
    assert t.observer_count == 2  # the dead rule is dropped as well
    t.switch("id")
    assert drawn == ["first", "last", "first", "last"]
