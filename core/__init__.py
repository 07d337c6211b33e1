"""core: the ground of the project. It imports nothing of the project.

    errors    the whole error tree (terminal vs transient)
    settings  the one settings object, built at the entry point
    paths     where the bundled data lives (register, official form, collections, demo)

Everything else may import from here; nothing here imports anything above it.
"""

__version__ = "0.1.0"
