"""The marketplace taxonomy: categories, attribute groups, brands, countries, rejection reasons."""
