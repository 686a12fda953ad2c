using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BackupStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "OrganizationDataKeys",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyId = table.Column<Guid>(type: "uuid", nullable: false),
                    KekId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "bytea", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DestroyedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationDataKeys", x => x.OrganizationId);
                });

            migrationBuilder.CreateTable(
                name: "StoragePurges",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyId = table.Column<Guid>(type: "uuid", nullable: true),
                    DestroyedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    PacksDeleted = table.Column<int>(type: "integer", nullable: false),
                    BytesDeleted = table.Column<long>(type: "bigint", nullable: false),
                    TestDecryption = table.Column<string>(type: "text", nullable: false),
                    Certificate = table.Column<string>(type: "text", nullable: true),
                    IssuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoragePurges", x => x.OrganizationId);
                });

            migrationBuilder.CreateTable(
                name: "StoredChunks",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    BlobId = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    Seq = table.Column<int>(type: "integer", nullable: false),
                    Pack = table.Column<int>(type: "integer", nullable: false),
                    Offset = table.Column<long>(type: "bigint", nullable: false),
                    Length = table.Column<int>(type: "integer", nullable: false),
                    PlainLength = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoredChunks", x => new { x.OrganizationId, x.BlobId, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "StoredMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ContentHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    BlobId = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    LogicalBytes = table.Column<long>(type: "bigint", nullable: false),
                    StoredBytesAdded = table.Column<long>(type: "bigint", nullable: false),
                    AttachmentsStored = table.Column<int>(type: "integer", nullable: false),
                    AttachmentsDeduplicated = table.Column<int>(type: "integer", nullable: false),
                    StoredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoredMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_StoredChunks_OrganizationId_Pack_Offset",
                table: "StoredChunks",
                columns: new[] { "OrganizationId", "Pack", "Offset" });

            migrationBuilder.CreateIndex(
                name: "IX_StoredMessages_OrganizationId_ContentHash",
                table: "StoredMessages",
                columns: new[] { "OrganizationId", "ContentHash" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OrganizationDataKeys");

            migrationBuilder.DropTable(
                name: "StoragePurges");

            migrationBuilder.DropTable(
                name: "StoredChunks");

            migrationBuilder.DropTable(
                name: "StoredMessages");
        }
    }
}
