namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>One renewal of a staying name: the old and new serials, when the new entry was on disk, when the old entry
/// was gone (the same moment when the import wrote over it), and which serial each click for the name saw (Stopwatch ticks; 0 = not yet).</summary>
internal sealed class ChurnRenewal(string oldSerial, string newSerial)
{
    public string OldSerial { get; } = oldSerial;

    public string NewSerial { get; } = newSerial;

    public long ImportedAt { get; set; }

    public long OldRemovedAt { get; set; }

    /// <summary>First handshake (probe or click) that presented the new serial.</summary>
    public long FirstNewAt { get; set; }

    /// <summary>Clicks that started after the import and still saw the old serial, the last of them, and those that
    /// started after the old entry was removed and still saw it.</summary>
    public int OldAfterImport { get; set; }

    public long LastOldAt { get; set; }

    public int OldAfterRemoval { get; set; }

    public int OldSeen { get; set; }

    public int NewSeen { get; set; }
}
