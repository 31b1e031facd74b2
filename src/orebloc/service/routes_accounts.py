"""Health, login/logout, and user management (secretariat: anyone; member administrator: its member)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response

from orebloc.service import audit
from orebloc.service.deps import COOKIE, Caller, Problemo, caller, endpoint
from orebloc.service.policy import ADMIN, MEMBER_ROLES, SECRETARIAT
from orebloc.service.schemas import LoginIn, LoginOut, UserIn, UserOut
from orebloc.service.security import LoginRefused, hash_password, login, logout
from orebloc.service.store import User

router = APIRouter(tags=["accounts"])


@endpoint(router, "health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@endpoint(router, "login")
def do_login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    st = request.app.state.settings
    refused = None
    with request.app.state.store.session() as s:  # commits a counted failure too
        try:
            token, expires, user = login(
                s, body.username, body.password, st.token_hours, st.max_failures, st.lock_minutes
            )
            # the stored role is validated as the response's (the store column is a string)
            out = LoginOut.model_validate(
                {"token": token, "expires_at": expires, "role": user.role, "member": user.member}
            )
        except LoginRefused as exc:
            refused = str(exc)
    if refused is not None:
        raise Problemo(401, refused, "password")
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", max_age=int(st.token_hours * 3600)
    )
    return out


@endpoint(router, "logout", status_code=204)
def do_logout(request: Request, response: Response) -> None:
    who = caller(request)
    with request.app.state.store.session() as s:
        logout(s, who.token or "")
    response.delete_cookie(COOKIE)


@endpoint(router, "me")
def me(request: Request) -> UserOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        u = s.get(User, who.user_id)
        return _out(u)


def _out(u: User) -> UserOut:
    fields = ("id", "username", "role", "member", "disabled")
    return UserOut.model_validate({f: getattr(u, f) for f in fields})


def _scope(who: Caller):
    return sa.true() if who.role == SECRETARIAT else (User.member == who.member)


@endpoint(router, "users_list")
def users_list(request: Request) -> list[UserOut]:
    who = caller(request)
    with request.app.state.store.session() as s:
        return [
            _out(u)
            for u in s.execute(sa.select(User).where(_scope(who)).order_by(User.id)).scalars()
        ]


def check_new_user(role: str, member: str | None, who_role: str, who_member: str | None) -> None:
    """A member role needs a member, other roles none; an administrator adds only its own member's."""
    if (role in MEMBER_ROLES) != (member is not None):
        raise Problemo(
            422,
            f"role {role}: {'a member is required' if role in MEMBER_ROLES else 'no member'}",
            "member",
        )
    if who_role == ADMIN and (role not in MEMBER_ROLES or member != who_member):
        raise Problemo(
            403,
            "a member administrator adds analysts and administrators of its own member only",
            "role",
        )


@endpoint(router, "users_add", status_code=201)
def users_add(body: UserIn, request: Request) -> UserOut:
    who = caller(request)
    check_new_user(body.role, body.member, who.role, who.member)
    with request.app.state.store.session() as s:
        if s.execute(sa.select(User.id).where(User.username == body.username)).first():
            raise Problemo(409, f"user {body.username!r} exists", "username")
        u = User(
            username=body.username,
            password_hash=hash_password(body.password),
            role=body.role,
            member=body.member,
        )
        s.add(u)
        s.flush()
        audit.append(s, who.username, "create", "users", u.id, None, audit.record_hash(u))
        return _out(u)


@endpoint(router, "users_disable")
def users_disable(user_id: int, request: Request) -> UserOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        u = s.execute(sa.select(User).where(User.id == user_id, _scope(who))).scalar_one_or_none()
        if u is None:
            raise Problemo(404, f"no user {user_id}", "user_id")
        before = audit.record_hash(u)
        u.disabled = True
        s.flush()
        audit.append(s, who.username, "disable", "users", u.id, before, audit.record_hash(u))
        return _out(u)
