namespace Terminator.Fleet;

/// <summary>How a change reaches the local snapshot's files.</summary>
internal enum SnapshotWrite
{
    /// <summary>One change on its own (a notification): replaced atomically and fsynced before the generation moves.</summary>
    Durable,

    /// <summary>Part of a catch-up batch: replaced atomically without fsyncs; the batch's <see cref="LocalSnapshot.Flush"/>
    /// makes them durable before its generation is recorded.</summary>
    Batched,

    /// <summary>A start-up load of the whole store, before anything serves the folder: written in place (no temp file,
    /// no rename), flushed at the end; the folder counts as a snapshot only once its state is written after that.</summary>
    Unserved,
}
