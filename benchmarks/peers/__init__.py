"""Peer tools run on the benchmark datasets the way a careful user of each would.

Each peer module (:mod:`.splink_peer`, :mod:`.recordlinkage_peer`) has ``run(ds) ->
PeerResult``, configured from that tool's own documentation; :mod:`.common` holds the
result type, the dataset readers and the data cleaning a user writes before linking.
"""
