using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Custos.ControlPlane.Partners;

/// Who asks for a change to a partner's users or groups: the signed-in user and how the audit names them.
public sealed record ActingUser(Guid UserId, Actor Actor);

/// The acting user as the database knows it right now, not as a sign-in cookie remembered it: a
/// user demoted a moment ago can no longer manage users. <see cref="Scope"/> is the partner's subtree.
public sealed record ActingAdmin(Guid UserId, Guid PartnerId, PartnerRole Role, Scope Scope, Actor Actor);

/// A change to a set: how many entries it added and removed.
public sealed record GroupChange(int Added, int Removed)
{
    public bool IsEmpty => Added == 0 && Removed == 0;
}

/// The shared path of the user and group use cases: who may act, and saving with the expected
/// database conflicts turned into typed errors.
public static class PartnerAdministration
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// The acting user when they are an owner or full administrator of a partner; otherwise
    /// <see cref="UserManagementNotAllowed"/>.
    public static async Task<Result<ActingAdmin>> AdminAsync(AppDbContext db, ActingUser acting, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == acting.UserId)
            .Select(u => new { u.PartnerId, u.Role })
            .SingleOrDefaultAsync(ct);
        if (user is not { PartnerId: { } partnerId, Role: { } role } || !PartnerUserRules.ManagesUsers(role))
        {
            return new UserManagementNotAllowed();
        }

        var path = await db.Partners.AsNoTracking().Where(p => p.Id == partnerId).Select(p => p.Path).SingleAsync(ct);
        return new ActingAdmin(acting.UserId, partnerId, role, new Scope(path), acting.Actor);
    }

    public static AuditEntry Audit(AuditEventType type, ActingAdmin admin, DateTimeOffset now, object? before, object? after) =>
        AuditEntry.For(type, admin.Actor, now, admin.PartnerId, null,
            before is null ? null : JsonSerializer.Serialize(before, Json),
            after is null ? null : JsonSerializer.Serialize(after, Json));

    public static object Snapshot(AppUser user) => new
    {
        id = user.Id,
        email = user.Email,
        name = user.DisplayName,
        role = user.Role?.ToString(),
    };

    /// A fresh concurrency stamp: every change to a user row takes one, so a racing change that
    /// read the old row fails instead of overwriting.
    public static void Touch(AppUser user) => user.ConcurrencyStamp = Guid.NewGuid().ToString();

    public static async Task<Result> SaveAsync(AppDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new UsersChangedMeanwhile();
        }
        catch (DbUpdateException e) when (Conflict(e) is { } error)
        {
            db.ChangeTracker.Clear();
            return error;
        }
    }

    private static Error? Conflict(DbUpdateException e)
    {
        if (DbErrors.UniqueIndexViolated(e) is { } index)
        {
            // PostgreSQL names the index; SQLite names its columns.
            if (index.Contains("UserNameIndex", StringComparison.Ordinal) || index.Contains("AspNetUsers.NormalizedUserName", StringComparison.Ordinal))
            {
                return new UserEmailTaken();
            }

            if (index.Contains("IX_Groups_PartnerId_Name", StringComparison.Ordinal) || index.Contains("Groups.PartnerId, Groups.Name", StringComparison.Ordinal))
            {
                return new GroupNameTaken();
            }

            return new UsersChangedMeanwhile();
        }

        // A group or user deleted by someone else while this change added rows that point to it, or
        // two changes that locked the same users in a different order.
        return e.InnerException switch
        {
            PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }
                => new UsersChangedMeanwhile(),
            SqliteException { SqliteErrorCode: 19 } sq when sq.Message.Contains("FOREIGN KEY", StringComparison.Ordinal) => new UsersChangedMeanwhile(),
            _ => null,
        };
    }
}
