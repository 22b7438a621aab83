"""The database session store, reading the session by SQL written once.

Every signed-in request reads its session; Django's store builds and compiles an ORM query for it
each time (~0.3 ms of CPU, measured in-process for docs/performance.md). Same table, same rows and
same expiry rule as django.contrib.sessions.backends.db, which writes, deletes and clears them."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.utils import timezone

from gongzhi.core import rawsql

_SESSION_SQL = "SELECT session_key, session_data, expire_date FROM django_session WHERE session_key = %s AND expire_date > %s"


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        session = rawsql.fetch_first(self.model, _SESSION_SQL, [self.session_key, now])
        if session is None:
            self._session_key = None
        return session
