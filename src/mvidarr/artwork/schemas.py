from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from mvidarr.kit.schemas import HTTP_URL_PATTERN, Clean, InputSchema, Schema, conflict, limit

Fraction = Annotated[float, Field(ge=0, le=1)]


class CropBox(InputSchema):
    """A box as fractions of the picture's width and height, from its top left corner."""

    x: Fraction = Field(description="Left edge, 0..1 of the width.")
    y: Fraction = Field(description="Top edge, 0..1 of the height.")
    width: Annotated[float, Field(ge=0.01, le=1, description="At least 1 % of the width.")]
    height: Annotated[float, Field(ge=0.01, le=1, description="At least 1 % of the height.")]

    @model_validator(mode="after")
    def _inside(self) -> Self:
        if self.x + self.width > 1.000001 or self.y + self.height > 1.000001:
            raise conflict("the crop box must lie inside the picture (x + width <= 1, y + height <= 1)")
        return self


class ArtworkFromUrl(InputSchema):
    url: Annotated[str, limit(2048, 1), Clean] = Field(
        description="An http or https URL of a JPEG, PNG or WebP.", json_schema_extra={"pattern": HTTP_URL_PATTERN}
    )
    crop: CropBox | None = None


class ArtworkCrop(InputSchema):
    crop: CropBox


class ArtworkPublic(Schema):
    owner: Literal["video", "artist"]
    id: int
    source: str = Field(description="Where the artwork came from: upload, url or scan.")
    width: int = Field(description="Width of the stored picture in pixels, after cropping.")
    height: int
    thumbnail_path: str = Field(description="Folder of the stored sizes, relative to the data folder.")
