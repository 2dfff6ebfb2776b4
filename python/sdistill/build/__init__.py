"""Making answers: the cached flow and everything a build runs.

``flow`` is the one cached flow (look without a lock, lock, look again, make, record),
written for every kind of source; ``products`` makes metadata (static when the source
states it, else the hook) and wheels; ``answers`` reads and writes what is recorded
under a revision; ``backend`` runs a tree's backend in a build environment
(``environments``, filled by ``installers`` under ``constraints``) through ``pep517``
and the warm ``hook_server``; ``build_system``, ``static_metadata`` and ``wheels`` read
what a project and a wheel state.
"""
