using Microsoft.AspNetCore.Identity;

namespace Custos.Data;

public enum PartnerRole
{
    Owner = 1,
    FullAdministrator = 2,
    Administrator = 3,
    ReadOnly = 4,
}

/// A person who signs in: an operator (no partner) or a partner user with a role.
public sealed class AppUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    public Guid? PartnerId { get; set; }

    public PartnerRole? Role { get; set; }

    public bool IsOperator { get; set; }
}

/// Platform-wide settings the operator can change; one row.
public sealed class PlatformSettings
{
    public const int DefaultGraceDays = 45;

    public int Id { get; set; } = 1;

    /// Days between Unsubscribe and purge.
    public int UnsubscribeGraceDays { get; set; } = DefaultGraceDays;

    /// The "keep backing up suspended organizations" setting a new partner starts with.
    public bool KeepBackingUpSuspendedByDefault { get; set; }

    /// Bumped by every saved change; two operators saving at once cannot both win.
    public int Version { get; set; }

    public TimeSpan Grace => TimeSpan.FromDays(UnsubscribeGraceDays);
}
