"""Material Design Icons used by the kiosk: name -> codepoint.

The font is ``assets/fonts/materialdesignicons-webfont.ttf`` from the npm package ``@mdi/font`` 7.4.47
(Apache-2.0, see ``MaterialDesignIcons-LICENSE.txt``). Codepoints are copied from the package's
``scss/_variables.scss``, never guessed; to add one:
``npm pack @mdi/font && tar xzf mdi-font-*.tgz && grep '"NAME":' package/scss/_variables.scss``.
Only the icons the screens use are listed, so an unknown name fails loudly in tests.
"""

from __future__ import annotations

FONT_NAME = "KioskIcons"
FONT_FILE = "materialdesignicons-webfont.ttf"

CODEPOINTS: dict[str, int] = {
    "account-outline": 0xF0013,
    "alert-circle-outline": 0xF05D6,
    "alert-outline": 0xF002A,
    "apple-keyboard-shift": 0xF0636,
    "arrow-up-bold": 0xF0737,
    "arrow-up-bold-outline": 0xF09C7,
    "arrow-left": 0xF004D,
    "at": 0xF0065,
    "backspace-outline": 0xF0B5C,
    "bullhorn-outline": 0xF0B23,
    "calendar-outline": 0xF0B67,
    "card-account-details-outline": 0xF0DAB,
    "cash": 0xF0114,
    "certificate-outline": 0xF1188,
    "check": 0xF012C,
    "check-circle-outline": 0xF05E1,
    "checkbox-blank-outline": 0xF0131,
    "checkbox-marked-outline": 0xF0135,
    "chevron-right": 0xF0142,
    "clipboard-list-outline": 0xF10D5,
    "clock-outline": 0xF0150,
    "close": 0xF0156,
    "close-circle-outline": 0xF015A,
    "cloud-check-outline": 0xF1BEC,
    "cloud-off-outline": 0xF0164,
    "cog-outline": 0xF08BB,
    "comment-text-outline": 0xF0189,
    "emoticon-cry-outline": 0xF0C6D,
    "emoticon-excited-outline": 0xF069C,
    "emoticon-frown-outline": 0xF0F4D,
    "emoticon-happy-outline": 0xF01F5,
    "emoticon-neutral-outline": 0xF01F6,
    "emoticon-sad-outline": 0xF01F8,
    "exit-to-app": 0xF0206,
    "eye-outline": 0xF06D0,
    "file-document-outline": 0xF09EE,
    "file-search-outline": 0xF0C7D,
    "format-list-numbered": 0xF027B,
    "format-size": 0xF027F,
    "gesture-tap": 0xF0741,
    "hand-pointing-up": 0xF0A55,
    "home": 0xF02DC,
    "incognito": 0xF05F9,
    "information-outline": 0xF02FD,
    "keyboard-close": 0xF030F,
    "keyboard-return": 0xF0311,
    "keyboard-space": 0xF1050,
    "lock": 0xF033E,
    "lock-outline": 0xF0341,
    "magnify": 0xF0349,
    "message-alert-outline": 0xF0A04,
    "message-reply-text-outline": 0xF173E,
    "minus-circle-outline": 0xF0377,
    "office-building-outline": 0xF151F,
    "package-variant-closed": 0xF03D7,
    "pencil-outline": 0xF0CB6,
    "phone-outline": 0xF0DF0,
    "printer": 0xF042A,
    "progress-clock": 0xF0996,
    "qrcode": 0xF0432,
    "send": 0xF048A,
    "shield-check-outline": 0xF0CC8,
    "star-outline": 0xF04D2,
    "timeline-clock-outline": 0xF11FC,
    "translate": 0xF05CA,
}


def glyph(name: str) -> str:
    """The character for an icon name ("" for no icon); KeyError for a name not in the map."""
    return chr(CODEPOINTS[name]) if name else ""
