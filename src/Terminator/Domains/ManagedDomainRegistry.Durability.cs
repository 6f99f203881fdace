using System.Buffers;

namespace Terminator.Domains;

/// <summary>Appends, group-committed fsyncs and change publication.</summary>
internal sealed partial class ManagedDomainRegistry
{
    private long AppendPutUnsynchronized(ManagedDomain domain) =>
        AppendUnsynchronized(static (d, frame) => DomainRecordFormat.WritePut(d, frame), domain.ToStorable());

    /// <summary>Appends one frame to the journal (page cache); the caller holds <see cref="_gate"/> and mutates memory only
    /// once this returned, so a failed write leaves memory as the disk has it. Returns the frame's sequence number.</summary>
    private long AppendUnsynchronized(Func<ManagedDomain, byte[], int> write, ManagedDomain domain)
    {
        byte[] frame = ArrayPool<byte>.Shared.Rent(DomainRecordFormat.MaxFrameLength);
        try
        {
            _journal.Append(frame.AsSpan(0, write(domain, frame)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }

        _journalRecords++;
        return ++_appended;
    }

    /// <summary>
    /// Returns once the frame numbered <paramref name="sequence"/> is on disk. One fsync covers every frame appended before
    /// it started, so writers that queue behind an fsync usually find their frame already durable (group commit).
    /// </summary>
    private void EnsureDurable(long sequence)
    {
        if (Volatile.Read(ref _durable) >= sequence)
        {
            return;
        }

        lock (_syncGate)
        {
            if (_durable >= sequence)
            {
                return;
            }

            long target;
            DomainJournal journal;
            lock (_gate)
            {
                target = _appended;
                journal = _journal;
            }

            journal.FlushToDisk(); // the journal cannot be switched or closed meanwhile: that needs _syncGate
            Volatile.Write(ref _durable, target);
        }

        ScheduleCompactionIfDue();
    }

    private void Publish(ManagedDomainChange change)
    {
        Action<ManagedDomainChange>? handlers = Changed;
        if (handlers is null)
        {
            return;
        }

        // Handler by handler, so one that throws does not keep the change from the others.
        foreach (Delegate handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<ManagedDomainChange>)handler)(change);
            }
            catch (Exception ex)
            {
                DomainsLog.ChangeHandlerFailed(_log.Domains, change.Name, change.Kind, ex);
            }
        }
    }
}
