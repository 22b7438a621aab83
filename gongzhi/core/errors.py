"""Errors a user can act on. Services raise them; views and the API translate them."""


class ApplicationError(Exception):
    """A refusal with a translated message and a stable machine code.

    status is the HTTP status the API answers with: 400 for bad input, 409 for a conflict with
    the current state of the data.
    """

    def __init__(self, message, *, code="invalid", status=400, field=None, extra=None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.status = status
        self.field = field
        self.extra = extra or {}

    def as_dict(self):
        body = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class ConflictError(ApplicationError):
    def __init__(self, message, *, code="conflict", field=None, extra=None):
        super().__init__(message, code=code, status=409, field=field, extra=extra)
