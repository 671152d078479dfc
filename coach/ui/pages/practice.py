"""Page script: practice a call."""

from coach.ui import auth, practice_page

practice_page.render(auth.require_viewer())
