"""papermill support for ytkernel: a parameter translator that writes
``%set NAME = VALUE`` lines, registered for the kernel name ``ytkernel``.

papermill registers translators in code and has no entry point for them;
it does load every ``papermill.engine`` entry point when ``papermill.engines``
is imported (which ``import papermill`` and the ``papermill`` command always
do).  This package's entry point names :class:`YtkernelEngine`; loading it
imports this module, and importing this module registers the translator.
The engine itself is papermill's default nbclient engine under another name,
so nothing about execution changes.
"""
from papermill.engines import NBClientEngine
from papermill.translators import papermill_translators

from .translator import YtkernelTranslator, translate_parameters

__all__ = ["YtkernelTranslator", "YtkernelEngine", "translate_parameters",
           "KERNEL_NAME"]
__version__ = "0.1.0"

#: The kernelspec name `ytkernel install` writes (magics/main.c SPEC_NAME).
KERNEL_NAME = "ytkernel"


class YtkernelEngine(NBClientEngine):
    """papermill's nbclient engine, unchanged.  It exists because an engine
    entry point is how papermill imports plug-ins at start-up; ``--engine
    ytkernel`` works but is never needed."""


# By kernel name only: ytkernel's language_info says "sql", and other SQL
# kernels do not read %set lines.
papermill_translators.register(KERNEL_NAME, YtkernelTranslator)
