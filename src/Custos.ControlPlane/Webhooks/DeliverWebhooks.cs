using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Custos.ControlPlane.Webhooks;

/// The HTTP client deliveries go through: no redirects followed, no cookies, no proxy, one shared
/// connection pool, and every connection made by <see cref="ConnectAsync"/>, which connects only to
/// addresses the <see cref="WebhookAddressPolicy"/> allows. Checking the address the socket really
/// connects to (not the URL, not an earlier lookup) is what stops a name that resolves to an internal
/// address, whenever it starts doing so (DNS rebinding).
public sealed class WebhookHttp : IDisposable
{
    public WebhookHttp(WebhookSettings settings) =>
        Client = new HttpClient(CreateHandler(settings.AddressPolicy, settings.Timeout)) { Timeout = Timeout.InfiniteTimeSpan };

    public HttpClient Client { get; }

    /// A proxy would make the connection to the receiver itself, past the address check, so none is
    /// used, whatever HTTPS_PROXY/HTTP_PROXY say.
    public static SocketsHttpHandler CreateHandler(WebhookAddressPolicy policy, TimeSpan connectTimeout) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
    };

    /// Resolves the host (a literal address is taken as it is), drops the addresses the policy refuses
    /// and connects to the first allowed one that answers; refuses when none is allowed.
    public static async ValueTask<Stream> ConnectAsync(WebhookAddressPolicy policy, DnsEndPoint endpoint, CancellationToken ct)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = addresses.Where(policy.Allows).ToList();
        if (allowed.Count == 0)
        {
            throw new WebhookAddressRefusedException(literal is not null, addresses);
        }

        SocketException? failed = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, endpoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failed = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw failed!;
    }

    public void Dispose() => Client.Dispose();
}

/// A delivery refused before connecting: the host is, or resolves only to, addresses webhooks are not
/// delivered to. Thrown from the connect callback (the only way it can fail a request) and recorded on
/// the attempt like any other failure.
public sealed class WebhookAddressRefusedException(bool literal, IReadOnlyList<IPAddress> addresses)
    : Exception(Describe(literal, addresses))
{
    private static string Describe(bool literal, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return "the name resolves to no address";
        }

        var listed = string.Join(", ", addresses.Take(4).Select(a => $"{a} ({WebhookAddressPolicy.Describe(WebhookAddressPolicy.RangeOf(a))})"))
            + (addresses.Count > 4 ? ", …" : "");
        return literal
            ? $"the address is refused: {listed}; webhooks are not delivered to private, loopback or link-local addresses"
            : $"the name resolves only to refused addresses: {listed}";
    }
}

/// What one delivery run did.
public sealed record WebhookRun(int Delivered, int Retrying, int Failed, int Disabled)
{
    public bool DidAnything => Delivered + Retrying + Failed > 0;
}

/// Sends due webhook deliveries (see README.md): claim an attempt (saved first, guarded by the
/// delivery's version, so two nodes never make the same attempt), POST the signed body, then save
/// the outcome, the attempt's log row and the endpoint's health together. An endpoint failing long
/// enough is disabled, audited and its partner's owners and full administrators are mailed.
public sealed class DeliverWebhooks(
    AppDbContext db, WebhookHttp http, WebhookSecrets secrets, WebhookSettings settings, Outbox outbox, TimeProvider clock, ILogger<DeliverWebhooks> log)
{
    private const int MaxBatches = 50;
    private const int ExcerptBytes = 2048;

    public async Task<WebhookRun> RunAsync(CancellationToken ct)
    {
        int delivered = 0, retrying = 0, failed = 0, disabled = 0;
        for (var batch = 0; batch < MaxBatches; batch++)
        {
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow();
            var due = await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now)
                .Join(db.WebhookEndpoints.Where(e => e.Enabled), d => d.EndpointId, e => e.Id, (d, e) => d)
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => d.Id)
                .Take(Math.Max(1, settings.BatchSize))
                .ToListAsync(ct);
            foreach (var id in due)
            {
                switch (await DeliverAsync(id, ct))
                {
                    case Outcome.Delivered: delivered++; break;
                    case Outcome.Retrying: retrying++; break;
                    case Outcome.Failed: failed++; break;
                    case Outcome.FailedAndDisabled: failed++; disabled++; break;
                }
            }

            if (due.Count < settings.BatchSize)
            {
                break;
            }
        }

        return new WebhookRun(delivered, retrying, failed, disabled);
    }

    private enum Outcome
    {
        Skipped,
        Delivered,
        Retrying,
        Failed,
        FailedAndDisabled,
    }

    private sealed record Answer(int? StatusCode, string Result, string? Error, string? Excerpt, int DurationMs)
    {
        public bool Succeeded => StatusCode is >= 200 and < 300;
    }

    private async Task<Outcome> DeliverAsync(long deliveryId, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId, ct);
        var endpoint = delivery is null ? null : await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == delivery.EndpointId, ct);
        if (delivery is null || endpoint is not { Enabled: true } || delivery.BeginAttempt(clock.GetUtcNow(), settings.Retry).Error is not null)
        {
            return Outcome.Skipped;
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.Skipped;
        }

        var message = await db.WebhookMessages.AsNoTracking().SingleAsync(m => m.Id == delivery.MessageId, ct);
        var answer = await SendAsync(endpoint, message, ct);
        if (answer.Succeeded)
        {
            log.LogInformation("Webhook {WebhookId} ({Type}) delivered to endpoint {EndpointId}: {Status} in {Duration} ms",
                message.WebhookId, message.Type, endpoint.Id, answer.StatusCode, answer.DurationMs);
        }
        else
        {
            log.LogWarning("Webhook {WebhookId} ({Type}) to endpoint {EndpointId} failed (attempt {Attempt}): {Result}",
                message.WebhookId, message.Type, endpoint.Id, delivery.Attempts, answer.Result);
        }

        return await RecordAsync(deliveryId, delivery.Attempts, answer, ct);
    }

    private async Task<Answer> SendAsync(WebhookEndpoint endpoint, WebhookMessage message, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var signingSecrets = endpoint.ProtectedSigningSecrets(now).Select(secrets.Unprotect).ToList();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", message.WebhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Header(signingSecrets, message.WebhookId, timestamp, message.Body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Custos-Webhooks", "1"));

        var started = clock.GetTimestamp();
        int Elapsed() => (int)clock.GetElapsedTime(started).TotalMilliseconds;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ExcerptAsync(response, timeout.Token);
            var code = (int)response.StatusCode;
            var result = code is >= 300 and < 400 ? $"{code} (redirects are not followed)" : code.ToString(CultureInfo.InvariantCulture);
            return new Answer(code, result, null, excerpt, Elapsed());
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var error = $"timeout after {settings.Timeout.TotalSeconds:0.#} s";
            return new Answer(null, error, error, null, Elapsed());
        }
        catch (HttpRequestException e)
        {
            var error = e.InnerException is WebhookAddressRefusedException refused ? refused.Message : $"{e.HttpRequestError}: {e.Message}";
            return new Answer(null, Cut(error, WebhookDelivery.MaxResultLength), Cut(error, WebhookDelivery.MaxResultLength), null, Elapsed());
        }
    }

    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[ExcerptBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }

            return read == 0 ? null : Cut(Encoding.UTF8.GetString(buffer, 0, read), WebhookAttempt.MaxExcerptLength);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return null;
        }
    }

    /// Saves the outcome. A delivery changed meanwhile ("Redeliver") keeps that change, except that a
    /// success is always recorded; the endpoint's health is re-read and re-applied on a conflict.
    private async Task<Outcome> RecordAsync(long deliveryId, int attempt, Answer answer, CancellationToken ct)
    {
        for (var tries = 0; ; tries++)
        {
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow();
            var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId, ct);
            if (delivery is null)
            {
                return Outcome.Skipped; // The endpoint was deleted meanwhile.
            }

            var endpoint = await db.WebhookEndpoints.SingleAsync(e => e.Id == delivery.EndpointId, ct);
            db.WebhookAttempts.Add(new WebhookAttempt
            {
                DeliveryId = deliveryId,
                EndpointId = endpoint.Id,
                At = now,
                StatusCode = answer.StatusCode,
                Error = answer.Error,
                DurationMs = answer.DurationMs,
                ResponseExcerpt = answer.Excerpt,
            });

            Outcome outcome;
            if (answer.Succeeded)
            {
                delivery.RecordDelivered(now, answer.StatusCode!.Value);
                endpoint.RecordSuccess(now, answer.Result);
                outcome = Outcome.Delivered;
            }
            else
            {
                // Only the attempt this run claimed is recorded on the delivery; a redelivery asked for meanwhile stays due.
                var givenUp = delivery.Attempts == attempt && delivery.Status == WebhookDeliveryStatus.Pending
                    && delivery.RecordFailure(now, answer.StatusCode, answer.Result, settings.Retry);
                var disabledNow = endpoint.RecordFailedAttempt(now, answer.Result, givenUp, settings.AutoDisable);
                outcome = disabledNow ? Outcome.FailedAndDisabled : givenUp ? Outcome.Failed : Outcome.Retrying;
                if (disabledNow)
                {
                    await NoticeAsync(endpoint, now, ct);
                }
            }

            try
            {
                await db.SaveChangesAsync(ct);
                return outcome;
            }
            catch (DbUpdateConcurrencyException) when (tries < 3)
            {
                // Someone edited the endpoint or redelivered meanwhile: read both again.
            }
        }
    }

    /// The audit entry (actor: system) and a mail to the partner's owners and full administrators.
    private async Task NoticeAsync(WebhookEndpoint endpoint, DateTimeOffset now, CancellationToken ct)
    {
        log.LogWarning("Webhook endpoint {EndpointId} of partner {PartnerId} disabled: its deliveries kept failing", endpoint.Id, endpoint.PartnerId);
        WebhookAudit.Add(db, AuditEventType.WebhookEndpointAutoDisabled, Actor.System, now, endpoint, null);
        var partnerName = await db.Partners.AsNoTracking().Where(p => p.Id == endpoint.PartnerId).Select(p => p.Name).SingleAsync(ct);
        var admins = await db.Users.AsNoTracking()
            .Where(u => u.PartnerId == endpoint.PartnerId && u.Email != null
                && (u.Role == PartnerRole.Owner || u.Role == PartnerRole.FullAdministrator))
            .OrderBy(u => u.Email)
            .Select(u => new { u.Email, u.DisplayName })
            .ToListAsync(ct);
        var page = new Uri(outbox.Addresses.PublicBase, $"settings/webhooks/{endpoint.Id}");
        var rule = settings.AutoDisable;
        foreach (var admin in admins.DistinctBy(a => a.Email!.Trim().ToLowerInvariant()))
        {
            var mail = MailBody.To(admin.DisplayName.Length > 0 ? admin.DisplayName : partnerName)
                .Paragraph($"Custos disabled the webhook endpoint {endpoint.Url} of {partnerName}: its deliveries kept failing "
                    + $"({rule.ConsecutiveFailedMessages} events in a row given up, or every attempt failing for {rule.FailingFor.TotalDays:0.#} days). "
                    + $"The last attempt got: {endpoint.LastResult}.")
                .Paragraph("No more events are sent to it until someone enables it again on the webhooks page. Events that were "
                    + "still being retried wait and are sent once it is enabled; the delivery log shows what failed.")
                .Action("Open the endpoint", page)
                .Footer("You get this message as an owner or full administrator of " + partnerName + ".")
                .ToMail(admin.Email!, $"Webhook endpoint disabled: {endpoint.Url}", admin.DisplayName, null);
            outbox.Add(mail, "webhook.endpoint-disabled", endpoint.PartnerId);
        }
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
