namespace Terminator.Domains;

/// <summary>What <see cref="DomainRecordReader.Read"/> found.</summary>
internal enum DomainRecordReadStatus
{
    /// <summary>A good record.</summary>
    Record,

    /// <summary>The file ends cleanly after the last good record.</summary>
    EndOfFile,

    /// <summary>The file ends inside a frame: the tail of a write a crash interrupted.</summary>
    Torn,

    /// <summary>A whole frame whose length, checksum or content is wrong: damage, or a write torn across a page.</summary>
    Damaged,
}
