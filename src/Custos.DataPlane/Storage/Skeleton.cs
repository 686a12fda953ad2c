using System.Buffers;
using System.Buffers.Binary;
using MimeKit;

namespace Custos.DataPlane.Storage;

/// The plaintext of a message blob: the raw message with its large parts replaced by references.
///
///     "CXS1" record* 'E'
///     'L' length(u64)  bytes                                  literal bytes of the message
///     'P' blob id(32) encoding(u8) line length(i32) crlf(u8) final newline(u8)   a part, re-encoded
///
/// Restoring writes literals as they are and re-encodes each part with its layout.
internal static class Skeleton
{
    private static readonly byte[] Magic = "CXS1"u8.ToArray();

    public static async Task WriteAsync(ChunkedBlobWriter blob, Stream raw, IReadOnlyList<SplicedPart> parts, CancellationToken ct)
    {
        await blob.WriteAsync(Magic, ct);
        var at = 0L;
        foreach (var part in parts)
        {
            await LiteralAsync(blob, raw, at, part.Start - at, ct);
            var record = new byte[1 + 32 + 1 + 4 + 1 + 1];
            record[0] = (byte)'P';
            part.BlobId.CopyTo(record, 1);
            record[33] = (byte)part.Layout.Encoding;
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(34), part.Layout.LineLength);
            record[38] = part.Layout.Crlf ? (byte)1 : (byte)0;
            record[39] = part.Layout.FinalNewline ? (byte)1 : (byte)0;
            await blob.WriteAsync(record, ct);
            at = part.End;
        }

        await LiteralAsync(blob, raw, at, raw.Length - at, ct);
        await blob.WriteAsync("E"u8.ToArray(), ct);
    }

    public static async Task RestoreAsync(
        Stream skeleton, Stream destination, Func<byte[], CancellationToken, Task<Stream>> openPart, CancellationToken ct)
    {
        var magic = new byte[4];
        await skeleton.ReadExactlyAsync(magic, ct);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a message skeleton.");
        }

        var tag = new byte[1];
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            await RestoreRecordsAsync(skeleton, destination, openPart, tag, buffer, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task RestoreRecordsAsync(
        Stream skeleton, Stream destination, Func<byte[], CancellationToken, Task<Stream>> openPart, byte[] tag, byte[] buffer, CancellationToken ct)
    {
        while (true)
        {
            await skeleton.ReadExactlyAsync(tag, ct);
            switch (tag[0])
            {
                case (byte)'E':
                    return;
                case (byte)'L':
                    var header = new byte[8];
                    await skeleton.ReadExactlyAsync(header, ct);
                    var length = BinaryPrimitives.ReadInt64LittleEndian(header);
                    while (length > 0)
                    {
                        var n = (int)Math.Min(81920, length);
                        await skeleton.ReadExactlyAsync(buffer.AsMemory(0, n), ct);
                        await destination.WriteAsync(buffer.AsMemory(0, n), ct);
                        length -= n;
                    }

                    break;
                case (byte)'P':
                    var record = new byte[32 + 1 + 4 + 1 + 1];
                    await skeleton.ReadExactlyAsync(record, ct);
                    var layout = new PartLayout(
                        (ContentEncoding)record[32],
                        BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(33)),
                        record[37] == 1,
                        record[38] == 1);
                    await using (var part = await openPart(record[..32], ct))
                    {
                        await PartEncoding.EncodeAsync(part, destination, layout, ct);
                    }

                    break;
                default:
                    throw new InvalidDataException("A message skeleton holds an unknown record.");
            }
        }
    }

    private static async Task LiteralAsync(ChunkedBlobWriter blob, Stream raw, long start, long length, CancellationToken ct)
    {
        if (length == 0)
        {
            return;
        }

        var header = new byte[9];
        header[0] = (byte)'L';
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(1), length);
        await blob.WriteAsync(header, ct);
        await blob.CopyFromAsync(raw, start, length, ct);
    }
}
