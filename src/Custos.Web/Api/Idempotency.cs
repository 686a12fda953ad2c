using System.Security.Cryptography;
using System.Text;
using Custos.Data;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Api;

/// `Idempotency-Key` on POST (IETF httpapi draft). The first request with a key claims it (a row in
/// progress, unique per API key and key); its answer is stored with it for a day. A retry with the
/// same key and the same method, path and body gets that answer again (Idempotent-Replayed: true);
/// with another request it is 409; while the first is still running it is 409 too. Server errors
/// release the key, so the client may retry them.
public sealed class IdempotencyFilter(IServiceScopeFactory scopes, TimeProvider clock, ApiSettings settings) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var values = http.Request.Headers[Header];
        if (values.Count == 0)
        {
            return await next(context);
        }

        var key = values.Count == 1 ? values[0] ?? "" : "";
        if (key.Length is 0 or > IdempotencyRecord.MaxKeyLength || key.Any(c => c is < (char)0x20 or > (char)0x7E))
        {
            return ApiProblems.BadRequest("invalid_idempotency_key",
                $"Idempotency-Key must be one value of 1 to {IdempotencyRecord.MaxKeyLength} printable ASCII characters.", Header);
        }

        if (!Guid.TryParse(http.User.FindFirst(ApiKeyAuthenticationHandler.KeyClaim)?.Value, out var apiKeyId))
        {
            return await next(context);
        }

        var hash = RequestHash(http);
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        // Expired answers of this key go first, so the key can be used again and the table stays small.
        await db.IdempotencyRecords.Where(r => r.ApiKeyId == apiKeyId && r.ExpiresAt <= now).ExecuteDeleteAsync(http.RequestAborted);
        var record = new IdempotencyRecord
        {
            ApiKeyId = apiKeyId,
            Key = key,
            RequestHash = hash,
            State = IdempotencyState.InProgress,
            CreatedAt = now,
            ExpiresAt = now.AddHours(settings.IdempotencyHours),
        };
        db.IdempotencyRecords.Add(record);
        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
        }
        catch (DbUpdateException e) when (DbErrors.UniqueIndexViolated(e) is not null)
        {
            db.ChangeTracker.Clear();
            var first = await db.IdempotencyRecords.AsNoTracking()
                .SingleOrDefaultAsync(r => r.ApiKeyId == apiKeyId && r.Key == key, http.RequestAborted);
            return Existing(http, first, hash);
        }

        return await RunAndStoreAsync(context, next, db, record);
    }

    private static object Existing(HttpContext http, IdempotencyRecord? first, string hash)
    {
        if (first is null)
        {
            // Released a moment ago by a failed first request.
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency_key_in_progress",
                "A request with this Idempotency-Key was just being processed; retry it.");
        }

        if (first.RequestHash != hash)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request; use a new key for a new request.");
        }

        if (first.State == IdempotencyState.InProgress)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency_key_in_progress",
                "A request with this Idempotency-Key is still being processed; retry it later.");
        }

        return new StoredResponse(first);
    }

    private static async Task<object?> RunAndStoreAsync(
        EndpointFilterInvocationContext context, EndpointFilterDelegate next, AppDbContext db, IdempotencyRecord record)
    {
        var http = context.HttpContext;
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        int status;
        try
        {
            var result = await next(context);
            http.Response.Body = buffer;
            if (result is IResult executable)
            {
                await executable.ExecuteAsync(http);
            }
            else if (result is not null)
            {
                await TypedResults.Ok(result).ExecuteAsync(http);
            }

            status = http.Response.StatusCode;
        }
        catch
        {
            http.Response.Body = original;
            await ReleaseAsync(db, record);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        if (status >= 500)
        {
            await ReleaseAsync(db, record);
        }
        else
        {
            record.State = IdempotencyState.Completed;
            record.StatusCode = status;
            record.ContentType = http.Response.ContentType;
            record.Location = http.Response.Headers.Location;
            record.ETag = http.Response.Headers.ETag;
            record.Body = buffer.ToArray();
            await db.SaveChangesAsync(CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
        return Results.Empty;
    }

    private static async Task ReleaseAsync(AppDbContext db, IdempotencyRecord record)
    {
        db.IdempotencyRecords.Remove(record);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// SHA-256 of the method, the path with its query, and the body bytes.
    private static string RequestHash(HttpContext http)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method}\n{http.Request.Path}{http.Request.QueryString}\n"));
        sha.AppendData(ApiBodyBytes.Read(http));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// The first answer, replayed.
    private sealed class StoredResponse(IdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = record.StatusCode;
            if (record.ContentType is { } type)
            {
                http.Response.ContentType = type;
            }

            if (record.Location is { } location)
            {
                http.Response.Headers.Location = location;
            }

            if (record.ETag is { } etag)
            {
                http.Response.Headers.ETag = etag;
            }

            http.Response.Headers["Idempotent-Replayed"] = "true";
            if (record.Body is { Length: > 0 } body)
            {
                await http.Response.Body.WriteAsync(body, http.RequestAborted);
            }
        }
    }
}
