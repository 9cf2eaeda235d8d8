//! DevHive sandbox server.
