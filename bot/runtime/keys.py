"""Every Redis key Quita uses is built here, so they never collide or drift."""

PREFIX = "quita"


def lock(name: str) -> str:
    return f"{PREFIX}:lock:{name}"


def note(name: str) -> str:
    """Work left for the holder of lock ``name`` (``RedisLockManager.take_or_note``)."""
    return f"{PREFIX}:note:{name}"


def dedupe(key: str) -> str:
    return f"{PREFIX}:seen:{key}"


def live(topic: str) -> str:
    return f"{PREFIX}:live:{topic}"


def rate(bucket: str) -> str:
    return f"{PREFIX}:rate:{bucket}"


def login_attempts(who: str) -> str:
    return f"{PREFIX}:login:{who}"
