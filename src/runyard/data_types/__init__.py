"""data_types"""
