using System.Globalization;
using System.Text;
using Custos.DataPlane.Restore;
using Custos.DataPlane.Storage;
using Custos.Domain.Audit;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Custos.Web.Components.Portal.Organizations.Backups;

/// Addresses of the backup pages and downloads, and how they read.
public static class BackupPaths
{
    public static string Folders(Guid organizationId, Guid mailboxId) => $"/organizations/{organizationId}/backups/{mailboxId}";

    public static string Messages(Guid organizationId, Guid mailboxId, string folder, string? q = null, string? from = null, string? to = null, string? after = null) =>
        With($"/organizations/{organizationId}/backups/{mailboxId}/messages", ("folder", folder), ("q", q), ("from", from), ("to", to), ("after", after));

    public static string Eml(Guid organizationId, Guid mailboxId, Guid messageId) =>
        $"/organizations/{organizationId}/backups/{mailboxId}/messages/{messageId}/eml";

    public static string Part(Guid organizationId, Guid mailboxId, string folder, ArchiveFormat format, DateTimeOffset asOf, int part) =>
        With($"/organizations/{organizationId}/backups/{mailboxId}/download",
            ("folder", folder), ("format", FormatValue(format)), ("asOf", asOf.UtcTicks.ToString(CultureInfo.InvariantCulture)),
            ("part", part.ToString(CultureInfo.InvariantCulture)));

    private static string With(string path, params (string Name, string? Value)[] values) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(
            path, values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => new KeyValuePair<string, string?>(v.Name, v.Value)));

    public static string FormatValue(ArchiveFormat format) => format == ArchiveFormat.Zip ? "zip" : "mbox";

    public static string Size(long bytes) => Custos.ControlPlane.Organizations.OrganizationListFormat.Storage(bytes);

    public static string When(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "Never";

    /// "Archive_2026 part 2 of 5.zip": the folder name made safe for a file name.
    public static string PartFileName(string folder, ArchiveFormat format, int part, int parts)
    {
        var name = new StringBuilder();
        foreach (var c in folder)
        {
            name.Append(char.IsControl(c) || "/\\:*?\"<>|.".Contains(c) ? '_' : c);
        }

        var text = name.ToString().Trim();
        text = text.Length == 0 ? "folder" : text[..Math.Min(text.Length, 80)];
        return $"{text} part {part} of {parts}.{FormatValue(format)}";
    }
}

/// The downloads themselves: one message as .eml, and part N of M of a folder as zip or mbox. Any
/// partner user whose scope reaches the organization may download (read-only users too); each
/// download is audited (who, what, the bytes of its messages) before it is sent. A foreign organization answers 404; a purged one goes to the
/// folders page, which answers 410 and says why.
public static class BackupDownloadEndpoints
{
    public static void MapBackupDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/organizations/{id:guid}/backups/{mailboxId:guid}/messages/{messageId:guid}/eml", async (
                Guid id, Guid mailboxId, Guid messageId, HttpContext http, PartnerContext partner, BackupBrowser browser, BackupDownloads downloads) =>
            {
                var ct = http.RequestAborted;
                try
                {
                    var opened = await browser.OpenAsync(partner.Scope, id, ct);
                    if (opened.Error is BackupPurged)
                    {
                        return Results.Redirect(BackupPaths.Folders(id, mailboxId));
                    }

                    if (opened.Value is not { } backup || (await downloads.FindEmlAsync(backup, mailboxId, messageId, ct)).Value is not { } eml)
                    {
                        return Results.NotFound();
                    }

                    Start(http, "message/rfc822", eml.FileName, eml.Length);
                    await SendAsync(http, downloads, backup, partner.Actor, (body, token) => eml.CopyToAsync(body, token),
                        new DownloadRecord(mailboxId, eml.Folder, "eml", messageId, null, null, 1, eml.Length));
                    return Results.Empty;
                }
                catch (OrganizationDataDestroyedException) when (!http.Response.HasStarted)
                {
                    return Results.Redirect(BackupPaths.Folders(id, mailboxId));
                }
            })
            .RequireAuthorization(Policies.Partner);

        app.MapGet("/organizations/{id:guid}/backups/{mailboxId:guid}/download", async (
                Guid id, Guid mailboxId, string? folder, string? format, long? asOf, int? part,
                HttpContext http, PartnerContext partner, BackupBrowser browser, BackupDownloads downloads) =>
            {
                var ct = http.RequestAborted;
                var kind = format switch
                {
                    "zip" => ArchiveFormat.Zip,
                    "mbox" => ArchiveFormat.Mbox,
                    _ => (ArchiveFormat?)null,
                };
                if (folder is null || kind is null || part is not { } number
                    || asOf is not { } ticks || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                {
                    return Results.NotFound();
                }

                try
                {
                    var opened = await browser.OpenAsync(partner.Scope, id, ct);
                    if (opened.Error is BackupPurged)
                    {
                        return Results.Redirect(BackupPaths.Folders(id, mailboxId));
                    }

                    if (opened.Value is not { } backup
                        || (await downloads.PlanAsync(backup, mailboxId, folder, kind.Value, backup.DownloadLimitBytes, new DateTimeOffset(ticks, TimeSpan.Zero), ct)).Value is not { } plan
                        || number < 1 || number > plan.Parts.Count)
                    {
                        return Results.NotFound();
                    }

                    var planned = plan.Parts[number - 1];
                    Start(http, kind == ArchiveFormat.Zip ? "application/zip" : "application/mbox",
                        BackupPaths.PartFileName(folder, kind.Value, number, plan.Parts.Count), length: null);
                    await SendAsync(http, downloads, backup, partner.Actor,
                        async (body, token) => _ = await downloads.WritePartAsync(backup, plan, number, body, token),
                        new DownloadRecord(mailboxId, folder, BackupPaths.FormatValue(kind.Value), null, number, plan.Parts.Count, planned.Messages, planned.LogicalBytes));
                    return Results.Empty;
                }
                catch (OrganizationDataDestroyedException) when (!http.Response.HasStarted)
                {
                    return Results.Redirect(BackupPaths.Folders(id, mailboxId));
                }
            })
            .RequireAuthorization(Policies.Partner);
    }

    private static void Start(HttpContext http, string contentType, string fileName, long? length)
    {
        http.Response.ContentType = contentType;
        http.Response.ContentLength = length;
        http.Response.Headers.CacheControl = "private, no-store";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        http.Response.Headers.ContentDisposition = disposition.ToString();
    }

    /// Audits the download, then streams it: the journal entry is committed before the first byte
    /// leaves, so no download goes unrecorded, whatever happens to the connection or the node.
    private static async Task SendAsync(
        HttpContext http, BackupDownloads downloads, OrganizationBackup backup, Actor actor,
        Func<Stream, CancellationToken, Task> write, DownloadRecord record)
    {
        await downloads.RecordAsync(backup, actor, record, http.RequestAborted);

        // ZipArchive writes a few small records synchronously (local headers, descriptors); the
        // message bytes themselves go asynchronously.
        if (http.Features.Get<IHttpBodyControlFeature>() is { } control)
        {
            control.AllowSynchronousIO = true;
        }

        var body = new ResponseBody(http.Response.Body);
        await write(body, http.RequestAborted);
        await body.FlushAsync(http.RequestAborted);
    }

    /// The response body, never closed by the archive writer.
    private sealed class ResponseBody(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
