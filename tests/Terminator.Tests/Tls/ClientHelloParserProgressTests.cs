using System.Buffers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// The peek calls the parser again on every read until the hello is complete. A client sending its hello as thousands
/// of 1-byte records used to make each call rescan every record from the start (~1.45 s of CPU for ~96 KB, about
/// 1,000 handshakes' worth): the resumable parse scans each record once, so the work is linear in what was sent.
/// </summary>
public sealed class ClientHelloParserProgressTests
{
    [Fact]
    public void TryParse_LargestHelloInOneByteRecords_FedByteByByte_ScansEachRecordOnce()
    {
        // The worst case the parser admits: a MaxClientHelloSize body, every byte in its own record.
        var builder = new ClientHelloBuilder().WithServerName("big.example");
        int bodyWithoutPadding = builder.BuildMessage().Length - 4;
        builder.AddExtension(21, new byte[ClientHelloParser.MaxClientHelloSize - bodyWithoutPadding - 4]); // RFC 7685 padding
        byte[] message = builder.BuildMessage();
        byte[] records = ClientHelloBuilder.ToRecords(message, 1);
        Assert.Equal(message.Length * 6, records.Length); // ~98 KB

        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var progress = default(ClientHelloScanProgress);
        ClientHelloParseStatus status = ClientHelloParseStatus.NeedMoreData;
        int calls = 0;
        for (int received = 1; received <= records.Length && status == ClientHelloParseStatus.NeedMoreData; received++)
        {
            // Each read appends to what the pipe already holds; the peek never consumes, so the buffer grows from 0.
            status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(records, 0, received), serverName, ref progress, out _);
            calls++;
        }

        Assert.Equal(ClientHelloParseStatus.Success, status);
        Assert.Equal(records.Length, calls);
        // Linear: every record header scanned exactly once over all ~98,000 calls (a rescan would be ~16,400 per call).
        Assert.Equal(message.Length, progress.RecordsScanned);
    }

    [Fact]
    public void TryParse_Resumed_SameResultAsOneShot()
    {
        byte[] capture = ClientHelloCaptures.Load(ClientHelloCaptures.Chromium);
        byte[] records = ClientHelloBuilder.ToRecords(ClientHelloBuilder.MessageOf(capture), 7);
        var oneShot = ClientHelloParserSegmentationTests.ParseSpan(records);

        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var progress = default(ClientHelloScanProgress);
        ClientHelloInfo info = default;
        ClientHelloParseStatus status = ClientHelloParseStatus.NeedMoreData;
        for (int received = 13; received <= records.Length && status == ClientHelloParseStatus.NeedMoreData; received += 13)
        {
            status = ClientHelloParser.TryParse(SegmentedSequence.Split(records[..Math.Min(received, records.Length)], received / 2), serverName, ref progress, out info);
        }

        status = status == ClientHelloParseStatus.NeedMoreData
            ? ClientHelloParser.TryParse(new ReadOnlySequence<byte>(records), serverName, ref progress, out info)
            : status;
        Assert.Equal(oneShot.Status, status);
        Assert.Equal(oneShot.Host, System.Text.Encoding.ASCII.GetString(serverName, 0, info.ServerNameLength));
        Assert.Equal((oneShot.Alpn, oneShot.Versions, oneShot.OffersEcdsa), (info.Alpn, info.OfferedVersions, info.OffersEcdsa));
    }

    [Fact]
    public void TryParse_Resumed_BadRecordAfterGoodOnes_StillMalformed()
    {
        byte[] message = new ClientHelloBuilder().WithServerName("a.example").BuildMessage();
        byte[] records = ClientHelloBuilder.ToRecords(message, 10);
        records[15] = 23; // the second record claims to be application data: RFC 8446 §5.1 forbids interleaving

        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var progress = default(ClientHelloScanProgress);
        Assert.Equal(ClientHelloParseStatus.NeedMoreData, ClientHelloParser.TryParse(new ReadOnlySequence<byte>(records, 0, 15), serverName, ref progress, out _));
        Assert.Equal(ClientHelloParseStatus.Malformed, ClientHelloParser.TryParse(new ReadOnlySequence<byte>(records), serverName, ref progress, out _));
    }
}
