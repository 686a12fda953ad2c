namespace Custos.Domain;

/// An expected failure: a value the edge maps to an alert or to ProblemDetails.
public abstract record Error(string Code, string Message)
{
    /// The input field the error is about, when there is one.
    public virtual string? Field => null;
}

public sealed record FieldError(string Field, string Message);

/// Input that breaks one or more field rules; every message names its field.
public sealed record ValidationFailed(IReadOnlyList<FieldError> Errors)
    : Error("validation", string.Join(" ", Errors.Select(e => e.Message)))
{
    public ValidationFailed(string field, string message) : this([new FieldError(field, message)]) { }

    public override string? Field => Errors.Count == 1 ? Errors[0].Field : null;
}

public readonly record struct Result
{
    private Result(Error? error) => Error = error;

    public Error? Error { get; }

    public bool IsSuccess => Error is null;

    public static Result Ok { get; } = new(null);

    public static Result Fail(Error error) => new(error);

    public static implicit operator Result(Error error) => new(error);
}

public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public Error? Error { get; }

    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Error error) => new(default, error);
}
