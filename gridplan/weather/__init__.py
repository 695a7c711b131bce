"""Weather for gridplan: readers, synthetic typical years, PV and wind capacity factors.

Public entry points::

    from gridplan.weather import (read_weather, read_epw, read_pvgis_tmy, read_weather_csv,
                                  fetch_pvgis_tmy, pv_capacity_factor, wind_capacity_factor,
                                  city_weather, city_profiles, load_city)
"""

from gridplan._lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["city_names", "data_dir", "load_city"], "gridplan.weather.cities"),
    **dict.fromkeys(["city_profiles", "city_weather", "weather_profiles"], "gridplan.weather.profiles"),
    **dict.fromkeys(["full_load_hours", "pv_capacity_factor"], "gridplan.weather.pv"),
    **dict.fromkeys(["fetch_pvgis_tmy", "read_epw", "read_pvgis_tmy", "read_weather", "read_weather_csv",
                     "write_weather_csv"], "gridplan.weather.readers"),
    **dict.fromkeys(["generate_typical_year", "monthly_statistics", "synth_city"], "gridplan.weather.synth"),
    "wind_capacity_factor": "gridplan.weather.wind",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
