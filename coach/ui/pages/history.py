"""Page script: the rep's own calls."""

from coach.ui import auth, practice_page

practice_page.render_history(auth.require_viewer())
