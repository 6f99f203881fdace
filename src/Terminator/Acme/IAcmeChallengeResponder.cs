namespace Terminator.Acme;

/// <summary>
/// Makes a challenge answerable where the CA will look, and takes it away again: for <c>http-01</c> serve
/// <see cref="AcmeChallengeResponse.KeyAuthorization"/> at <see cref="AcmeChallengeResponse.HttpPath"/> on port 80 for
/// <see cref="AcmeChallengeResponse.Domain"/>; for <c>tls-alpn-01</c> serve
/// <see cref="AcmeChallengeResponse.TlsAlpnCertificate"/> to <c>acme-tls/1</c> handshakes for that domain on port 443.
/// </summary>
/// <remarks>
/// <see cref="AcmeClient.IssueAsync"/> calls <see cref="PresentAsync"/> for every challenge of an order before telling
/// the CA to validate any of them, and <see cref="CleanupAsync"/> for each one it presented once the order's
/// validation is over — whether it succeeded, failed or was cancelled (cleanup gets its own short timeout then). A
/// responder may be shared by concurrent orders: challenges are distinct by (Type, Domain, Token). After cleanup the
/// client disposes the response, so a responder must not keep using its certificate.
/// </remarks>
internal interface IAcmeChallengeResponder
{
    /// <summary>Starts answering <paramref name="challenge"/>; returns when the answer is in place.</summary>
    ValueTask PresentAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken);

    /// <summary>Stops answering <paramref name="challenge"/>. Should not throw for a challenge it no longer holds.</summary>
    ValueTask CleanupAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken);
}
