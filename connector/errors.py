"""The one exception type for a user's mistake: the CLI prints its message, without a traceback."""


class UserError(Exception):
    """Bad input a person can fix (a model file, a setting, a leads file).

    The message must say where (file, line or field), what is wrong and how to fix it.
    """
