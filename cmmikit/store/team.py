"""Granting and revoking the team's roles (lead, assessor of some PAs, reader) on an appraisal.

On PostgreSQL a grant is a set of GRANTs to the database login, checked again by row-level security
(:mod:`cmmikit.store.roles`); on an SQLite file it is recorded and shown, the file's permissions being
the boundary. Every grant and revocation is a line of the change log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from cmmikit.errors import InvalidValue, StoreError
from cmmikit.store import roles
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, check, now


@dataclass(frozen=True)
class TeamRole:
    """One login's role: who gave it and when."""

    login: str
    role: str
    pas: tuple[str, ...]
    changed_by: str
    changed_at: str

    def describe(self) -> str:
        return roles.Access(self.login, self.role, self.pas).describe()


class TeamStore(StoreCore):
    def team_roles(self) -> list[TeamRole]:
        """Every login with a role (revoked ones too), by login."""
        r = t.team_roles.c
        return [TeamRole(row["login"], row["role"], roles.split_pas(row["pas"]), row["changed_by"], row["changed_at"])
                for row in self._rows(select(t.team_roles).order_by(r.login))]

    def grant(self, login: str, role: str, pas: list[str] | tuple[str, ...] | None = None) -> TeamRole:
        """Give ``login`` a role; an assessor's PAs default to those of the team member of that name."""
        login = (login or "").strip()
        if not login:
            raise InvalidValue("give the login to grant a role to (--login NAME)")
        check(role, roles.ROLES, "role")
        chosen = self._role_pas(login, role, pas)
        return self._set_role(login, role, chosen)

    def revoke(self, login: str) -> TeamRole:
        """Take every role from ``login`` (it keeps none; the change log and the roles list say who did it)."""
        current = {r.login: r for r in self.team_roles()}.get(login)
        if current is None or current.role == roles.REVOKED:
            raise StoreError(f"{self.location.display}: login {login!r} has no role to revoke "
                             "('cmmikit roles' lists the team)")
        return self._set_role(login, roles.REVOKED, ())

    def _role_pas(self, login: str, role: str, pas: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
        if role != roles.ASSESSOR:
            if pas:
                raise InvalidValue(f"--pa is for an assessor; a {role} reads (or leads) every process area")
            return ()
        if pas is None:
            pas = next((a.pas for a in self.assessors() if a.name == login), ())  # type: ignore[attr-defined]
        chosen = tuple(dict.fromkeys(p.strip() for p in pas if p.strip()))
        if not chosen:
            raise InvalidValue(f"an assessor needs process areas: give --pa PA,PA (or assign {login!r} some in the "
                               "appraisal's team)")
        for pa in chosen:
            self._check_pa(pa)
        return chosen

    def _set_role(self, login: str, role: str, pas: tuple[str, ...]) -> TeamRole:
        where = self.location.display
        roles.check_lead(self.access, where, "grant or revoke roles")
        with self.transaction():
            conn = self._conn
            server = conn.dialect.name == "postgresql"  # type: ignore[union-attr]
            if server and not roles.login_exists(conn, login):  # type: ignore[arg-type]
                raise StoreError(f"{where}: no database login {login!r} on this server; create it first "
                                 f"(CREATE ROLE \"{login}\" LOGIN PASSWORD '...'), then grant it a role")
            if server and role != roles.LEAD and roles.always_lead(conn, login):  # type: ignore[arg-type]
                raise StoreError(f"{where}: login {login!r} owns this appraisal on the server (or is a superuser) "
                                 "and is always its lead; nothing was changed")
            old = conn.execute(select(t.team_roles).where(t.team_roles.c.login == login)).mappings().first()  # type: ignore[union-attr]
            by = self.user if self.user == self.login else f"{self.user} (login {self.login})"
            done = TeamRole(login, role, pas, by, now())
            conn.execute(t.team_roles.delete().where(t.team_roles.c.login == login))  # type: ignore[union-attr]
            conn.execute(insert(t.team_roles).values(login=login, role=role, pas=",".join(pas),  # type: ignore[union-attr]
                                                     changed_by=done.changed_by, changed_at=done.changed_at))
            if server:
                roles.apply_grants(conn, login, role)  # type: ignore[arg-type]
            before = None if old is None else roles.Access(login, old["role"], roles.split_pas(old["pas"])).describe()
            self._log(Subject("team", f"role of {login}", entity_id=login), "role", before, done.describe())
        return done
