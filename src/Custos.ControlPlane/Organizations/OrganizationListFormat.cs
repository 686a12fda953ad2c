using System.Globalization;
using Custos.Domain.Plans;

namespace Custos.ControlPlane.Organizations;

/// How the Organizations page writes prices, seats, storage and dates: invariant, so every
/// partner reads the same text, and the CSV export writes the same values.
public static class OrganizationListFormat
{
    private static readonly string[] StorageUnits = ["KB", "MB", "GB", "TB", "PB", "EB"];

    public static string PlanTypeName(PlanType type) => type switch
    {
        PlanType.Personal => "Personal",
        PlanType.Backup => "Backup",
        PlanType.Archiver => "Archiver",
        _ => type.ToString(),
    };

    /// "EUR 3.00 per seat / month"; Personal plans are one flat price: "EUR 2.50 / month".
    public static string Price(PlanType type, decimal monthlyPrice, string currency)
    {
        var amount = monthlyPrice.ToString("0.00", CultureInfo.InvariantCulture);
        return Plan.HasSeats(type) ? $"{currency} {amount} per seat / month" : $"{currency} {amount} / month";
    }

    /// Seats in use over licensed seats ("12 / 40"), "12 / auto" with auto license, "—" on Personal plans.
    public static string Seats(OrganizationRow row) =>
        !Plan.HasSeats(row.PlanType) ? "—"
        : row.AutoLicense || row.Seats is null ? $"{row.SeatsInUse} / auto"
        : $"{row.SeatsInUse} / {row.Seats}";

    /// Decimal units with one decimal place: "512 B", "12.4 GB".
    public static string Storage(long bytes)
    {
        if (bytes < 1000)
        {
            return $"{Math.Max(0, bytes)} B";
        }

        var value = bytes / 1000d;
        var unit = 0;
        while (value >= 999.95 && unit < StorageUnits.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + StorageUnits[unit];
    }

    /// Stored bytes against logical bytes (the messages' size as the sources had them):
    /// "1.2 GB stored of 3.4 GB".
    public static string StorageOf(long storedBytes, long logicalBytes) =>
        $"{Storage(storedBytes)} stored of {Storage(logicalBytes)}";

    /// The UTC calendar day, e.g. "2026-12-31".
    public static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
