"""The one shape of a refused operation, shared by every feature's services, pages and API."""


class Refusal(Exception):
    """`message` is shown in the user's language, `field` names the input it concerns, `code` is
    stable for API clients; `problems` lists (row, message) pairs when a whole file is refused."""

    def __init__(self, message, field: str | None = None, code: str = "refused",
                 problems: list[tuple[int | None, str]] | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        self.problems = problems
