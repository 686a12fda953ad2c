namespace Custos.Domain.Partners;

/// A reseller in the partner tree. <see cref="Path"/> lists the IDs from the root down to this
/// partner ("/root/…/self/"), so "this partner and everything below it" is one prefix match.
public sealed class Partner
{
    public const int MaxNameLength = 200;

    private Partner()
    {
        Name = "";
        PublicId = "";
        Country = "";
        Path = "";
    }

    public Guid Id { get; private set; }

    public string PublicId { get; private set; }

    public string Name { get; private set; }

    public Guid? ParentId { get; private set; }

    public string Path { get; private set; }

    public bool IsDistributor { get; private set; }

    public string Country { get; private set; }

    public bool IsActive { get; private set; } = true;

    /// Cleared by a distributor to stop this partner's organizations from requesting transfers.
    public bool MayTransfer { get; private set; } = true;

    /// Off by default: suspended organizations' backups pause unless the partner turns this on.
    public bool KeepBackingUpSuspended { get; private set; }

    /// Notification setting (User Management, first row): whether New Organization shows the
    /// "Send sign in" checkbox. Shown by default.
    public bool ShowSendSignIn { get; private set; } = true;

    /// Notification setting: whether "Send sign in" starts checked (and decides alone while hidden).
    public bool SendSignInByDefault { get; private set; } = true;

    /// Notification setting: whether lifecycle notices (suspended, unsubscribed, …) are sent.
    public bool LifecycleNotices { get; private set; } = true;

    /// Notification setting: lifecycle notices go to the organization's owner.
    public bool NotifyOrganizationOwner { get; private set; } = true;

    /// Notification setting: lifecycle notices go to the partner's owners and full administrators.
    public bool NotifyPartnerAdmins { get; private set; } = true;

    /// Optimistic concurrency of the notification settings: every saved change bumps it.
    public int NotificationSettingsVersion { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static Result<Partner> Create(string name, string country, Partner? parent, bool isDistributor, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            errors.Add(new FieldError("name", "Partner name is required."));
        }
        else if (trimmed.Length > MaxNameLength || TextKey.HasControlCharacters(trimmed))
        {
            errors.Add(new FieldError("name", $"Partner name must be at most {MaxNameLength} characters of plain text."));
        }

        var code = Countries.Normalize(country);
        if (code is null)
        {
            errors.Add(new FieldError("country", "Country must be an ISO 3166-1 country code."));
        }

        if (parent is { IsActive: false })
        {
            errors.Add(new FieldError("parent", "The parent partner is inactive."));
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        var id = Guid.CreateVersion7(now);
        return new Partner
        {
            Id = id,
            PublicId = PublicIds.NewPartnerId(),
            Name = trimmed,
            ParentId = parent?.Id,
            Path = (parent?.Path ?? "/") + id.ToString("N") + "/",
            IsDistributor = isDistributor,
            Country = code!,
            CreatedAt = now,
        };
    }

    /// True when <paramref name="other"/> is this partner or lies below it.
    public bool Covers(Partner other) => other.Path.StartsWith(Path, StringComparison.Ordinal);

    /// The IDs on a partner path ("/root/…/self/"), root first: the partner and every partner above it.
    public static IReadOnlyList<Guid> IdsOnPath(string path) =>
        [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParseExact(s, "N", out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty)];

    public void SetKeepBackingUpSuspended(bool keep) => KeepBackingUpSuspended = keep;

    public void SetMayTransfer(bool mayTransfer) => MayTransfer = mayTransfer;

    public void SetShowSendSignIn(bool show) => ShowSendSignIn = show;

    public NotificationSettings Notifications =>
        new(ShowSendSignIn, SendSignInByDefault, LifecycleNotices, NotifyOrganizationOwner, NotifyPartnerAdmins);

    /// Saves new notification settings; refuses a contradiction and reports when nothing changed.
    public Result ChangeNotifications(NotificationSettings settings)
    {
        var valid = settings.Validate();
        if (!valid.IsSuccess)
        {
            return valid;
        }

        if (settings == Notifications)
        {
            return new SettingsUnchanged();
        }

        ShowSendSignIn = settings.ShowSendSignIn;
        SendSignInByDefault = settings.SendSignInByDefault;
        LifecycleNotices = settings.LifecycleNotices;
        NotifyOrganizationOwner = settings.NotifyOrganizationOwner;
        NotifyPartnerAdmins = settings.NotifyPartnerAdmins;
        NotificationSettingsVersion++;
        return Result.Ok;
    }

    public void Deactivate() => IsActive = false;
}

public sealed record SettingsUnchanged() : Error("settings_unchanged", "Nothing changed: these are the settings already saved.");
