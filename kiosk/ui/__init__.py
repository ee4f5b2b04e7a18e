"""The Kivy touchscreen app. Importing this package keeps Kivy away from the process's arguments."""

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
