"""The run journal: an append-only file per run, written before ``log()`` returns.

Shared by the SDK (which writes and folds it), ``runyard sync`` and the public API
(which replay journals left behind): frames and their checksums (:mod:`.frames`),
record codes and identity (:mod:`.records`), folding records into store batches
(:mod:`.fold`) and replaying left-over journals into a store (:mod:`.replay`).
"""
