using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Domains;
using Terminator.Storage;

namespace Terminator.Acme;

/// <summary>One order for one domain: preflight, budget, the CA, the store, the registry, the next date.</summary>
internal sealed partial class CertificateManager
{
    private async Task ProcessAsync(string name, CancellationToken stopping)
    {
        if (_leases is null)
        {
            await ProcessOrderAsync(name, stopping).ConfigureAwait(false);
            return;
        }

        if (!_domains.TryGet(name, out _))
        {
            return; // no longer managed: no lease to take
        }

        // A fleet: only the node holding the domain's lease orders; the others try again later.
        DateTimeOffset retry = _time.GetUtcNow() + _leases.RetryDelay;
        IOrderLease? lease = await _leases.TryTakeAsync(name, retry, stopping).ConfigureAwait(false);
        if (lease is null)
        {
            _queue.Schedule(name, retry);
            return;
        }

        await using (lease.ConfigureAwait(false))
        {
            using var held = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
            try
            {
                if (!await IsDueInFleetAsync(name, held.Token).ConfigureAwait(false))
                {
                    return;
                }

                if (await TryAdoptAsync(name, held.Token).ConfigureAwait(false))
                {
                    return;
                }

                await ProcessOrderAsync(name, held.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                // Not a failure of the domain (the lease implementation logged the loss): another node may be on it.
                _queue.Schedule(name, _time.GetUtcNow() + _leases.RetryDelay);
            }
        }
    }

    /// <summary>
    /// A fleet, with the lease held: whether the shared schedule says the domain is due. Another node may have issued it,
    /// or failed and set a backoff, since this node scheduled it (its notification still on the way); the shared record is
    /// read again here, under the lease, so N nodes make one CA attempt per due time, not N. A domain asked for on this
    /// node (a PUT, a forced renewal) is due whatever its record says. Not due: scheduled at the shared time.
    /// </summary>
    private async Task<bool> IsDueInFleetAsync(string name, CancellationToken stopping)
    {
        bool forced;
        DateTimeOffset forcedAt;
        lock (_gate)
        {
            forced = _forced.Remove(name, out forcedAt);
        }

        ManagedDomain? current;
        try
        {
            current = await _domains.RefreshAsync(name, stopping).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The database went away with the lease taken: nothing can be ordered without it anyway.
            _queue.Schedule(name, _time.GetUtcNow() + _leases!.RetryDelay);
            if (forced)
            {
                lock (_gate)
                {
                    _forced.TryAdd(name, forcedAt);
                }
            }

            return false;
        }

        if (current is null)
        {
            return false; // no longer managed
        }

        // A request made here is answered once any node finished an attempt after it (this node may have waited for the
        // lease while another node, which saw the same domain added, ordered it): asking the CA again would issue twice.
        if (forced && current.Updated > forcedAt && current.State is ManagedDomainState.Valid or ManagedDomainState.Failed)
        {
            forced = false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (!forced && current.NextRenewal is { } next && next > now)
        {
            _queue.Schedule(name, next);
            AcmeLog.NotDueInFleet(_log.Acme, name, ManagedDomainNames.Format(current.State), next, current.IssuedBy ?? "-");
            return false;
        }

        return true;
    }

    /// <summary>
    /// A fleet: when the shared store already serves this node a current certificate for every key type of
    /// <paramref name="name"/> that this node's registry does not record (another node ordered it while this one waited
    /// for the lease), the domain takes it rather than ordering again. A certificate this node recorded itself is not
    /// adopted: a forced renewal still orders.
    /// </summary>
    private async Task<bool> TryAdoptAsync(string name, CancellationToken stopping)
    {
        if (!_domains.TryGet(name, out ManagedDomain? domain))
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        var ids = new List<string>();
        DateTimeOffset? notAfter = null;
        DateTimeOffset? renewAt = null;
        bool anyNew = false;
        foreach (AcmeKeyType keyType in KeyTypesOf(domain.KeyTypes))
        {
            bool ecdsa = keyType == AcmeKeyType.EcdsaP256;
            if (!_certificates.TryGet(Encoding.ASCII.GetBytes(name), ecdsa, out CertificateEntry? entry)
                || entry.IsEcdsa != ecdsa
                || !_store.TryGetId(entry.Source, out string? id))
            {
                return false;
            }

            DateTimeOffset at = RenewalPolicy.RenewAt(entry.NotBefore, entry.NotAfter, Random.Shared.NextDouble());
            if (at <= now)
            {
                return false; // due: order
            }

            anyNew |= !domain.CertificateIds.Contains(id, StringComparer.Ordinal);
            ids.Add(id);
            notAfter = notAfter is null || entry.NotAfter < notAfter ? entry.NotAfter : notAfter;
            renewAt = renewAt is null || at < renewAt ? at : renewAt;
        }

        if (!anyNew || renewAt is not { } due)
        {
            return false;
        }

        ManagedDomain? adopted = await _domains.UpdateAsync(name, d => d with
        {
            State = ManagedDomainState.Valid,
            NotAfter = notAfter,
            NextRenewal = due,
            LastError = null,
            Attempts = 0,
            CertificateIds = ids,
        }, stopping).ConfigureAwait(false);
        if (adopted is null)
        {
            return false;
        }

        _queue.Schedule(name, due);
        AcmeLog.CertificateObtained(_log.Acme, name, "taken from the shared store (issued by another node)", 0, notAfter, renewAt);
        return true;
    }

    private async Task ProcessOrderAsync(string name, CancellationToken stopping)
    {
        if (!_domains.TryGet(name, out ManagedDomain? domain))
        {
            return; // no longer managed
        }

        DateTimeOffset now = _time.GetUtcNow();
        bool serving = domain.NotAfter is { } current && current > now;
        if (_preflight is not null)
        {
            string? waiting = await _preflight.CheckAsync(name, stopping).ConfigureAwait(false);
            if (waiting is not null)
            {
                await FailAsync(name, waiting, retryAfter: null, atTheCa: false, stopping).ConfigureAwait(false);
                return;
            }
        }

        if (!_budget.TryTake(now, out DateTimeOffset nextOrder))
        {
            _queue.Schedule(name, nextOrder);
            return;
        }

        if (serving)
        {
            await _domains.UpdateAsync(name, d => d with { State = ManagedDomainState.Renewing }, stopping).ConfigureAwait(false);
        }

        long started = _time.GetTimestamp();
        var ids = new List<string>();
        DateTimeOffset? notAfter = null;
        DateTimeOffset? renewAt = null;
        try
        {
            foreach (AcmeKeyType keyType in KeyTypesOf(domain.KeyTypes))
            {
                string? replaces = await ReplacesAsync(name, keyType, stopping).ConfigureAwait(false);
                using AcmeIssuedCertificate issued = await _client.IssueAsync([name], keyType, _challenges, replaces, stopping).ConfigureAwait(false);
                if (!_domains.TryGet(name, out _))
                {
                    return; // removed (and maybe purged) while the CA worked: store nothing
                }

                CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, $"acme:{name}");
                StoredCertificateInfo stored = await _store.PutAsync(entry, stopping).ConfigureAwait(false);
                ids.Add(stored.Id);
                DateTimeOffset leafNotAfter = new(issued.Leaf.NotAfter.ToUniversalTime());
                DateTimeOffset at = await RenewalTimeAsync(issued.Leaf, stopping).ConfigureAwait(false);
                notAfter = notAfter is null || leafNotAfter < notAfter ? leafNotAfter : notAfter;
                renewAt = renewAt is null || at < renewAt ? at : renewAt;
            }
        }
        catch (AcmeException ex)
        {
            await FailAsync(name, ex.Message, ex.RetryAfter, atTheCa: true, stopping).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is CertificateLoadException or IOException or UnauthorizedAccessException)
        {
            await FailAsync(name, $"the issued certificate could not be stored: {ex.Message}", null, atTheCa: true, stopping).ConfigureAwait(false);
            return;
        }

        DateTimeOffset issuedAt = _time.GetUtcNow();
        ManagedDomain? valid = await _domains.UpdateAsync(name, d => d with
        {
            State = ManagedDomainState.Valid,
            NotAfter = notAfter,
            NextRenewal = renewAt,
            LastError = null,
            Attempts = 0,
            CertificateIds = ids,
            IssuedBy = _node ?? d.IssuedBy,
            IssuedAt = _node is null ? d.IssuedAt : issuedAt,
        }, stopping).ConfigureAwait(false);
        if (valid is not null && renewAt is { } due)
        {
            _queue.Schedule(name, due);
        }

        if (valid is not null)
        {
            await RetireAsync(name, domain.CertificateIds, ids, stopping).ConfigureAwait(false);
        }

        AcmeLog.CertificateObtained(_log.Acme, name, serving ? "renewed" : "issued", _time.GetElapsedTime(started).TotalSeconds, notAfter, renewAt);
    }

    /// <summary>
    /// Removes the store entries a renewal replaced, so the store holds one certificate per key type per domain rather
    /// than one per renewal. An old entry still being served is removed only once the new one is served (the store
    /// watcher adds it within milliseconds; bounded wait), so no handshake finds the name without a certificate.
    /// </summary>
    private async Task RetireAsync(string name, IReadOnlyList<string> previous, List<string> current, CancellationToken stopping)
    {
        bool waited = false;
        foreach (string id in previous)
        {
            if (current.Contains(id, StringComparer.Ordinal))
            {
                continue;
            }

            if (!waited && IsServed(name, id))
            {
                waited = true;
                long deadline = _time.GetTimestamp();
                while (!AllServed(name, current) && _time.GetElapsedTime(deadline) < RetireWait)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), _time, stopping).ConfigureAwait(false);
                }
            }

            await _store.RemoveAsync(id, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>How long a replaced certificate may wait for its successor to be served before it is removed anyway.</summary>
    private static readonly TimeSpan RetireWait = TimeSpan.FromSeconds(10);

    private bool IsServed(string name, string id)
    {
        foreach (CertificateEntry entry in _certificates.CandidatesOf(name))
        {
            if (_store.TryGetId(entry.Source, out string? served) && served == id)
            {
                return true;
            }
        }

        return false;
    }

    private bool AllServed(string name, List<string> ids)
    {
        foreach (string id in ids)
        {
            if (!IsServed(name, id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Records a failure and schedules the retry. The domain keeps serving its current certificate, if any.</summary>
    /// <param name="atTheCa">False for a preflight that did not pass: nothing was asked of the CA, the domain waits.</param>
    private async Task FailAsync(string name, string reason, TimeSpan? retryAfter, bool atTheCa, CancellationToken stopping)
    {
        DateTimeOffset now = _time.GetUtcNow();
        ManagedDomain? failed = await _domains.UpdateAsync(name, d =>
        {
            int attempts = d.Attempts + 1;
            bool serving = d.NotAfter is { } notAfter && notAfter > now;
            ManagedDomainState state = atTheCa ? ManagedDomainState.Failed : serving ? ManagedDomainState.Valid : ManagedDomainState.Pending;
            return d with
            {
                State = state,
                Attempts = attempts,
                LastError = reason.Length <= ManagedDomain.MaxLastErrorLength ? reason : reason[..ManagedDomain.MaxLastErrorLength],
                NextRenewal = now + RenewalPolicy.Backoff(attempts, Random.Shared.NextDouble(), retryAfter),
            };
        }, stopping).ConfigureAwait(false);
        if (failed?.NextRenewal is not { } retry)
        {
            return; // no longer managed
        }

        _queue.Schedule(name, retry);
        if (failed.NotAfter is { } expiry && RenewalPolicy.IsUrgent(expiry, now))
        {
            AcmeLog.RenewalFailingNearExpiry(_log.Acme, name, expiry, reason, failed.Attempts, retry);
        }
        else if (atTheCa)
        {
            AcmeLog.OrderFailed(_log.Acme, name, reason, failed.Attempts, retry);
        }
        else
        {
            AcmeLog.NotReady(_log.Acme, name, reason, retry);
        }
    }

    /// <summary>The ARI identifier of the certificate this order replaces (RFC 9773 §5), when the CA offers ARI.</summary>
    private async Task<string?> ReplacesAsync(string name, AcmeKeyType keyType, CancellationToken stopping)
    {
        AcmeDirectory directory = await _client.GetDirectoryAsync(stopping).ConfigureAwait(false);
        if (directory.RenewalInfo is null || !_certificates.TryGet(Encoding.ASCII.GetBytes(name), keyType == AcmeKeyType.EcdsaP256, out CertificateEntry? entry))
        {
            return null;
        }

        bool sameFamily = entry.KeyAlgorithm.StartsWith(keyType == AcmeKeyType.EcdsaP256 ? "ECDSA" : "RSA", StringComparison.Ordinal);
        return sameFamily ? AcmeCertificateIdentifier.TryCreate(entry.Certificate) : null;
    }

    /// <summary>When to renew <paramref name="leaf"/>: inside the CA's ARI window when it offers one, else with a third
    /// of the lifetime left.</summary>
    private async Task<DateTimeOffset> RenewalTimeAsync(X509Certificate2 leaf, CancellationToken stopping)
    {
        double random = Random.Shared.NextDouble();
        try
        {
            // A leaf without an Authority Key Identifier has no ARI identifier (RFC 9773 §4.1): renew it by its lifetime.
            if (AcmeCertificateIdentifier.TryCreate(leaf) is not null
                && await _client.GetRenewalInfoAsync(leaf, stopping).ConfigureAwait(false) is { } window)
            {
                return RenewalPolicy.InWindow(window.WindowStart, window.WindowEnd, random);
            }
        }
        catch (AcmeException ex)
        {
            AcmeLog.RenewalInfoUnavailable(_log.Acme, ex.Message);
        }

        return RenewalPolicy.RenewAt(new DateTimeOffset(leaf.NotBefore.ToUniversalTime()), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), random);
    }

    private static IEnumerable<AcmeKeyType> KeyTypesOf(ManagedKeyTypes types)
    {
        if ((types & ManagedKeyTypes.Ecdsa) != 0 || types == ManagedKeyTypes.None)
        {
            yield return AcmeKeyType.EcdsaP256;
        }

        if ((types & ManagedKeyTypes.Rsa) != 0)
        {
            yield return AcmeKeyType.Rsa2048;
        }
    }
}
