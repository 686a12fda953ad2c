using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Custos.Web.Api;

/// The API's JSON: camelCase names, enums as camelCase strings, instants as ISO 8601 UTC
/// ("2026-11-22T14:05:53Z"), unknown properties refused, required properties required.
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.Converters.Add(new UtcInstantConverter());
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.RespectRequiredConstructorParameters = true;
        o.RespectNullableAnnotations = true;
        o.NumberHandling = JsonNumberHandling.Strict;
    }

    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private sealed class UtcInstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Instant(value));
    }
}

/// Marks a bound body that failed, so <see cref="ApiBodyFilter"/> answers with its problem.
public interface IApiBody
{
    ProblemHttpResult? Problem { get; }
}

/// A JSON request body read by the API itself rather than by the framework's binder, so every way a
/// body can be wrong gets a precise problem: not JSON (400, with where), wrong types or unknown or
/// missing properties (400, with the property), too large (413), not application/json (415).
/// The raw bytes stay in <see cref="HttpContext.Items"/> for the Idempotency-Key request hash.
public sealed class ApiBody<T> : IApiBody
    where T : class
{
    private ApiBody(T? value, ProblemHttpResult? problem)
    {
        Value = value!;
        Problem = problem;
    }

    public T Value { get; }

    public ProblemHttpResult? Problem { get; }

    public static async ValueTask<ApiBody<T>> BindAsync(HttpContext http, ParameterInfo parameter)
    {
        _ = parameter;
        var request = http.Request;
        if (!request.HasJsonContentType())
        {
            return new(null, ApiProblems.Problem(
                StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json."));
        }

        var bytes = await ApiBodyBytes.ReadAsync(http);
        if (bytes is null)
        {
            return new(null, ApiProblems.Problem(
                StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The request body is limited to {ApiBodyBytes.Limit(http)} bytes."));
        }

        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, options);
            return value is null
                ? new(null, ApiProblems.BadRequest("body_required", "A JSON object is required as the request body.", "body"))
                : new(value, null);
        }
        catch (JsonException e)
        {
            // A syntax error is about the body as a whole; a value error about the property it is in.
            var syntax = e.InnerException?.GetType().Name == "JsonReaderException";
            var field = syntax ? "body" : FieldOf(e.Path);
            var detail = e.LineNumber is { } line
                ? $"The body is not valid for this operation at {e.Path ?? "$"} (line {line + 1}, byte {e.BytePositionInLine + 1}): {Reason(e)}"
                : $"The body is not valid for this operation: {Reason(e)}";
            return new(null, ApiProblems.BadRequest("malformed_body", detail, field));
        }
    }

    /// "$.owner.email" → "owner.email"; the body itself → "body".
    private static string FieldOf(string? path) =>
        path is null or "$" || !path.StartsWith("$.", StringComparison.Ordinal) ? "body" : path[2..];

    private static string Reason(JsonException e)
    {
        if (e.InnerException?.GetType().Name == "JsonReaderException")
        {
            return "the JSON is malformed.";
        }

        // The serializer's messages name .NET types; say what a client can act on.
        var message = e.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "unknown property.";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var at = message.IndexOf("including: ", StringComparison.Ordinal);
            return at < 0 ? "required properties are missing." : "missing required properties: " + message[(at + 11)..].TrimEnd('.');
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal) || message.Contains("null", StringComparison.Ordinal))
        {
            return "the value has the wrong type or is out of range.";
        }

        return "the JSON is malformed.";
    }
}

/// Reads the request body once, up to the API's limit; the bytes are kept for the idempotency hash.
public static class ApiBodyBytes
{
    private const string ItemKey = "custos:api-body";

    public static long Limit(HttpContext http) => http.RequestServices.GetRequiredService<ApiSettings>().MaxBodyBytes;

    /// Null when the body is larger than the limit.
    public static async Task<byte[]?> ReadAsync(HttpContext http)
    {
        if (http.Items[ItemKey] is byte[] read)
        {
            return read;
        }

        var limit = Limit(http);
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        var bytes = buffer.ToArray();
        http.Items[ItemKey] = bytes;
        return bytes;
    }

    /// The bytes read by <see cref="ReadAsync"/>, or empty when the operation takes no body.
    public static byte[] Read(HttpContext http) => http.Items[ItemKey] as byte[] ?? [];
}

public sealed class ApiBodyFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is IApiBody { Problem: { } problem })
            {
                return ValueTask.FromResult<object?>(problem);
            }
        }

        return next(context);
    }
}
